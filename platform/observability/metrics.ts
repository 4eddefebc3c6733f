import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * One registry per process. In the embedded mode several services share a process, so
 * every metric carries a `service` label instead of living in per-service registries.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const made = new Map<string, Counter | Gauge | Histogram>();

function once<T extends Counter | Gauge | Histogram>(name: string, make: () => T): T {
  const existing = made.get(name);
  if (existing) return existing as T;
  const metric = make();
  made.set(name, metric);
  return metric;
}

export function counter(name: string, help: string, labelNames: string[]): Counter {
  return once(name, () => new Counter({ name, help, labelNames, registers: [registry] }));
}

export function gauge(name: string, help: string, labelNames: string[]): Gauge {
  return once(name, () => new Gauge({ name, help, labelNames, registers: [registry] }));
}

export function histogram(name: string, help: string, labelNames: string[], buckets?: number[]): Histogram {
  return once(
    name,
    () =>
      new Histogram({
        name,
        help,
        labelNames,
        registers: [registry],
        buckets: buckets ?? [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  );
}
