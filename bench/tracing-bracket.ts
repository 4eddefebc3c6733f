/** A traced run with the runs with tracing off on either side of it. */
export interface Bracket<Off, On> {
  ratio: number;
  on: On;
  before: Off;
  after: Off;
}

/**
 * Tracing off, then each traced variant (a share of traces kept) followed by tracing off again.
 * The servers fill with every run's databases and queues and the machine drifts: in one run of
 * bench:invoices, tracing off measured 24% more CPU per invoice after the traced runs than before
 * them, more than the cost being measured. Compared with the off runs on either side, a traced run
 * carries no more drift than they do.
 */
export async function bracketed<Off, On>(
  ratios: readonly number[],
  off: (n: number) => Promise<Off>,
  on: (ratio: number, i: number) => Promise<On>,
): Promise<{ offs: Off[]; brackets: Bracket<Off, On>[] }> {
  const offs = [await off(0)];
  const brackets: Bracket<Off, On>[] = [];
  for (const [i, ratio] of ratios.entries()) {
    const traced = await on(ratio, i);
    offs.push(await off(i + 1));
    brackets.push({ ratio, on: traced, before: offs[i]!, after: offs[i + 1]! });
  }
  return { offs, brackets };
}
