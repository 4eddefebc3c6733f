import { counter, gauge, histogram } from '../observability/metrics.js';

/** Job metrics (Prometheus conventions); every one carries `service` and `job`. */
export const jobMetrics = {
  runs: counter('dhanman_job_runs_total', 'Job runs finished, by outcome (success, failure)', [
    'service',
    'job',
    'outcome',
  ]),
  duration: histogram('dhanman_job_duration_seconds', 'Time a job run took', ['service', 'job']),
  lastSuccess: gauge(
    'dhanman_job_last_success_timestamp_seconds',
    'When a run of the job last succeeded (Unix time; the worker start until the first success)',
    ['service', 'job'],
  ),
  expectedInterval: gauge(
    'dhanman_job_schedule_interval_seconds',
    'Longest time between two runs of a recurring job, from its cron expression',
    ['service', 'job'],
  ),
};

/**
 * The longest gap a cron schedule allows between runs, roughly: a fixed day of the month runs
 * monthly, a fixed weekday weekly, a fixed hour daily, a fixed minute hourly. Enough for an alert
 * that a recurring job did not run; not a cron evaluator.
 */
export function cronIntervalSeconds(cron: string): number {
  const [minute = '*', hour = '*', dayOfMonth = '*', month = '*', dayOfWeek = '*'] = cron.trim().split(/\s+/);
  const fixed = (field: string) => !field.includes('*') && !field.includes('/');
  if (fixed(month)) return 366 * 86_400;
  if (fixed(dayOfMonth)) return 31 * 86_400;
  if (fixed(dayOfWeek)) return 7 * 86_400;
  if (fixed(hour)) return 86_400;
  if (fixed(minute)) return 3_600;
  return 60;
}
