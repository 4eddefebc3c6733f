import type { ServiceName } from '#contracts/services.js';
import { latencyQuantiles } from '../latency.js';
import { demoAdminToken, type FlowRun } from '../load/flow-run.js';
import { progress, serviceClients, until, type Json } from '../rig.js';

export type PaymentService = Extract<ServiceName, 'common' | 'sales' | 'notification' | 'gateway'>;

/** Ledger: every payment's journal (Dr 1100) in Common's ledger; mail: every receipt at the SMTP server. */
export interface PaymentRun extends FlowRun {
  payments: number;
  /** Answered 202 pending (the saga went on after the settle wait): counted once their receipt is in. */
  pending: number;
}

/**
 * Pays the given invoices (each `amount`) over HTTP, `concurrency` at a time, and measures until
 * every payment is in Common's ledger (Dr 1100) and every receipt reached the SMTP server.
 */
export async function runPayments(
  urls: Record<PaymentService, string>,
  opts: {
    invoiceIds: string[];
    amount: number;
    concurrency: number;
    password: string;
    receipts: () => number;
  },
): Promise<PaymentRun> {
  const { call, close } = serviceClients(urls, opts.concurrency);
  try {
    const token = await demoAdminToken(call, opts.password);
    const cash = async () => {
      const tb = await call('common', 'GET', '/api/ledger/trial-balance', token);
      return Number((tb.body.accounts as Json[]).find((a) => a.accountCode === '1100')?.debit ?? 0);
    };
    const cashBefore = await cash();
    const receiptsBefore = opts.receipts();

    const latencies: number[] = [];
    let errors = 0;
    let pending = 0;
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < opts.invoiceIds.length) {
        const id = opts.invoiceIds[next++]!;
        const t = performance.now();
        const res = await call('sales', 'POST', `/api/invoices/${id}/payments`, token, {
          paymentMethodId: 'pm_card_visa',
        });
        latencies.push(performance.now() - t);
        if (res.status === 202) pending += 1;
        else if (res.status !== 201) {
          errors += 1;
          if (errors <= 3) console.error(`payment of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const httpSeconds = (performance.now() - started) / 1000;
    const paid = opts.invoiceIds.length - errors;
    const marks: { ledger?: number; mail?: number } = {};
    const at = () => (performance.now() - started) / 1000;
    await until(
      'every payment posted and its receipt mailed',
      async () => {
        const posted = Math.round(((await cash()) - cashBefore) / opts.amount);
        const mailed = opts.receipts() - receiptsBefore;
        if (marks.ledger === undefined && posted >= paid) marks.ledger = at();
        if (marks.mail === undefined && mailed >= paid) marks.mail = at();
        progress(`payments: posted ${posted}, receipts mailed ${mailed} of ${paid}`);
        return marks.ledger !== undefined && marks.mail !== undefined;
      },
      600_000,
    );
    const endToEndSeconds = at();
    return {
      payments: paid,
      concurrency: opts.concurrency,
      pending,
      errors,
      httpSeconds,
      ledgerSeconds: marks.ledger!,
      mailSeconds: marks.mail!,
      endToEndSeconds,
      httpPerSecond: paid / httpSeconds,
      endToEndPerSecond: paid / endToEndSeconds,
      latencyMs: latencyQuantiles(latencies),
    };
  } finally {
    await close();
  }
}
