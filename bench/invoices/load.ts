import { randomUUID } from 'node:crypto';
import type { FlowService } from '../launch.js';
import { latencyQuantiles } from '../latency.js';
import { demoAdminToken, type FlowRun } from '../load/flow-run.js';
import { serviceClients, sleep, type Json } from '../rig.js';

/** Ledger: every invoice posted (trial balance); mail: every invoice mailed (Notification's log). */
export interface RunResult extends FlowRun {
  invoices: number;
  /** The invoices created, in the order their requests were sent. */
  ids: string[];
}

/**
 * Creates `invoices` invoices over HTTP, `concurrency` at a time, spread over a few customers, and
 * measures until every one is posted in the ledger (trial balance) and mailed (Notification's log).
 */
export async function runInvoices(
  urls: Record<FlowService, string>,
  opts: { invoices: number; concurrency: number; customers: number; password: string },
): Promise<RunResult> {
  const { call, close } = serviceClients(urls, opts.concurrency);
  try {
    const token = await demoAdminToken(call, opts.password);
    const customers: string[] = [];
    for (let i = 0; i < opts.customers; i++) {
      const c = await call('common', 'POST', '/api/customers', token, {
        name: `Bench Resident ${i}`,
        email: `bench-${randomUUID().slice(0, 8)}@residents.example`,
      });
      if (c.status !== 201)
        throw new Error(`customer creation failed: ${c.status} ${JSON.stringify(c.body)}`);
      customers.push(c.body.id as string);
    }
    const receivable = async () => {
      const tb = await call('common', 'GET', '/api/ledger/trial-balance', token);
      return Number((tb.body.accounts as Json[]).find((a) => a.accountCode === '1200')?.debit ?? 0);
    };
    const mailed = async (since: string) => {
      const s = await call(
        'notification',
        'GET',
        `/api/emails/summary?since=${encodeURIComponent(since)}`,
        token,
      );
      return Number(s.body.byTemplate?.['invoice-created'] ?? 0);
    };
    const before = await receivable();
    const since = new Date(Date.now() - 1000).toISOString();
    const mailedBefore = await mailed(since);

    const latencies: number[] = [];
    const ids: Array<string | undefined> = [];
    let errors = 0;
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < opts.invoices) {
        const i = next++;
        const t = performance.now();
        const res = await call(
          'sales',
          'POST',
          '/api/invoices',
          token,
          { customerId: customers[i % customers.length], amount: '100.00', dueDate: '2031-12-31' },
          { 'idempotency-key': randomUUID() },
        );
        latencies.push(performance.now() - t);
        if (res.status === 201) ids[i] = res.body.id as string;
        else {
          errors += 1;
          if (errors <= 3) console.error(`invoice ${i}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const httpSeconds = (performance.now() - started) / 1000;
    const created = opts.invoices - errors;
    const expected = before + created * 100;
    const deadline = Date.now() + 600_000;
    let ledgerSeconds: number | undefined;
    let mailSeconds: number | undefined;
    for (;;) {
      const [posted, sent] = await Promise.all([receivable(), mailed(since)]);
      const at = (performance.now() - started) / 1000;
      if (ledgerSeconds === undefined && posted >= expected - 0.001) ledgerSeconds = at;
      if (mailSeconds === undefined && sent - mailedBefore >= created) mailSeconds = at;
      if (ledgerSeconds !== undefined && mailSeconds !== undefined) break;
      if (Date.now() > deadline)
        throw new Error(
          `not complete after 10 minutes: posted ${posted - before}, mailed ${sent - mailedBefore}`,
        );
      // Polled gently: the poll itself must not slow what it measures.
      await sleep(200);
    }
    const endToEndSeconds = (performance.now() - started) / 1000;
    return {
      invoices: created,
      concurrency: opts.concurrency,
      httpSeconds,
      ledgerSeconds: ledgerSeconds!,
      mailSeconds: mailSeconds!,
      endToEndSeconds,
      httpPerSecond: created / httpSeconds,
      endToEndPerSecond: created / endToEndSeconds,
      latencyMs: latencyQuantiles(latencies),
      errors,
      ids: ids.filter((id) => id !== undefined),
    };
  } finally {
    await close();
  }
}
