import { randomUUID } from 'node:crypto';
import { sleep } from '../../support/wait.js';

export interface LoadResult {
  /** The invoice each key made, by key. */
  invoices: Map<string, string>;
  /** Requests sent again with their key after a network error, a 5xx or a 429. */
  retries: number;
  /** Keys that never got a 201 (none expected). */
  failed: { key: string; status: number | string }[];
}

/**
 * `count` invoices through the balancer by `clients` clients at once, each request sent again
 * with the same Idempotency-Key until it is answered 201, as a careful client does after a network
 * error or a 5xx. `progress()` tells how many are done, so a test can strike partway through.
 */
export function sendInvoices(o: {
  salesUrl: string;
  token: string;
  customerIds: readonly string[];
  count: number;
  clients: number;
  tag?: string;
}): { done: () => number; result: Promise<LoadResult> } {
  const tag = o.tag ?? randomUUID().slice(0, 8);
  const invoices = new Map<string, string>();
  const failed: LoadResult['failed'] = [];
  let next = 0;
  let retries = 0;
  const send = async (key: string, i: number): Promise<void> => {
    let last: number | string = 'not sent';
    for (let attempt = 0; attempt < 60; attempt++) {
      if (attempt > 0) {
        retries++;
        await sleep(Math.min(2_000, 100 * 2 ** Math.min(attempt, 5)));
      }
      try {
        const res = await fetch(`${o.salesUrl}/api/invoices`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${o.token}`,
            'idempotency-key': key,
          },
          body: JSON.stringify({
            customerId: o.customerIds[i % o.customerIds.length],
            amount: `${100 + (i % 50)}.25`,
            dueDate: '2031-03-31',
          }),
          signal: AbortSignal.timeout(30_000),
        });
        last = res.status;
        const body = (await res.json().catch(() => ({}))) as { id?: string };
        if (res.status === 201 && body.id) {
          invoices.set(key, body.id);
          return;
        }
        // 409: the same key is still being answered (its first request is in flight); ask again.
        if (res.status < 500 && res.status !== 429 && res.status !== 409 && res.status !== 408) break;
      } catch (err) {
        last = (err as Error).message;
      }
    }
    failed.push({ key, status: last });
  };
  const client = async () => {
    for (let i = next++; i < o.count; i = next++) await send(`${tag}-${i}`, i);
  };
  const result = Promise.all(Array.from({ length: o.clients }, client)).then(() => ({
    invoices,
    retries,
    failed,
  }));
  return { done: () => invoices.size + failed.length, result };
}
