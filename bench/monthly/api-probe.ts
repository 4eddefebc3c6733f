import type { ServiceClients } from '../rig.js';

/**
 * An accountant at work while the run goes on: lists invoices, opens one, lists again... at a
 * fixed rate (open loop: a request is sent on time even while the last is still waiting, so a
 * slow answer cannot hide the ones behind it). `stop()` returns every latency in ms.
 */
export async function apiProbe(
  api: ServiceClients<string>,
  token: () => Promise<string>,
  perSecond = 5,
): Promise<{ stop(): Promise<{ latenciesMs: number[]; slowest: string; errors: number }> }> {
  const latenciesMs: number[] = [];
  const at: number[] = [];
  let errors = 0;
  let opened: string | undefined;
  // Signed in before the first request: a sign-in (slow on purpose) is not the API's latency.
  let bearer: Promise<string> = Promise.resolve(await token());
  const t0 = performance.now();
  let n = 0;
  const inFlight = new Set<Promise<void>>();
  const once = async () => {
    const started = performance.now();
    const listing = n++ % 2 === 0 || !opened;
    const path = listing ? '/api/invoices?limit=20' : `/api/invoices/${opened}`;
    try {
      const res = await api.call('sales', 'GET', path, await bearer);
      if (res.status === 401) bearer = token();
      if (res.status !== 200) errors += 1;
      else if (listing) opened = (res.body.items as Array<{ id: string }>)[0]?.id ?? opened;
    } catch {
      errors += 1;
    }
    latenciesMs.push(performance.now() - started);
    at.push((started - t0) / 1000);
  };
  const timer = setInterval(() => {
    const p = once().finally(() => inFlight.delete(p));
    inFlight.add(p);
  }, 1000 / perSecond);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(inFlight);
      // When the slowest answers came (seconds into the run): which phase of the run they meet.
      const slowest = latenciesMs
        .map((ms, i) => ({ ms, at: at[i]! }))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 6)
        .map((x) => `${x.ms.toFixed(0)} ms at ${x.at.toFixed(1)} s`)
        .join(', ');
      return { latenciesMs, slowest, errors };
    },
  };
}

/** The q-quantile (0..1) of `values`, nearest rank; 0 for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}
