import { steady, type LoadContext } from './context.js';

/** `YYYY-MM`, `back` months before now (UTC; a run may go a year back). */
export function periodBack(back: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 15));
  return d.toISOString().slice(0, 7);
}

/**
 * Monthly invoice runs started by hand, each for a period of the last year (a period run again is
 * the re-run the design promises makes no duplicates). Only the demo organization has residents:
 * Community has no route to register them.
 */
export async function runFlow(ctx: LoadContext, everyMs: number): Promise<void> {
  await steady(ctx, everyMs, async (i) => {
    const period = periodBack(2 + (i % 6));
    const res = await ctx.client.call({
      flow: 'runs',
      op: 'start',
      base: ctx.url('sales'),
      method: 'POST',
      path: '/api/invoice-runs',
      token: ctx.token('admin'),
      key: `${ctx.tag}-run-${i}`,
      body: { period },
    });
    if (res?.status === 202 && !ctx.history.runs.some((r) => r.runId === res.body.id)) {
      ctx.history.runs.push({ runId: res.body.id, period });
    }
  });
}
