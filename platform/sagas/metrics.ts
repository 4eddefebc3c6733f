import { counter, gauge, histogram } from '../observability/metrics.js';

/** The saga engine's Prometheus metrics; `service` tells services sharing a process apart. */
export const sagaMetrics = {
  instances: gauge('dhanman_saga_instances', 'Saga instances by type and status', [
    'service',
    'type',
    'status',
  ]),
  stepDuration: histogram(
    'dhanman_saga_step_duration_seconds',
    'Time one run of a saga step (or of its compensation) took',
    ['service', 'type', 'step', 'outcome'],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  ),
  stepRetries: counter('dhanman_saga_step_retries_total', 'Saga steps scheduled to run again', [
    'service',
    'type',
    'step',
  ]),
};
