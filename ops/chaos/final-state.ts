import type { ServiceName } from '#contracts/services.js';

// Answers are read field by field as the public API documents them.
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { History } from './history.js';
import type { ResourceLevel } from './resources.js';

export interface JournalView {
  id: string;
  postingKind: string;
  correlationId?: string | null;
  lines: { accountCode: string; debit: string; credit: string; customerId?: string | null }[];
}

export interface PaymentView {
  id: string;
  invoiceId: string;
  status: string;
  paymentMethodId: string;
  correlationId: string | null;
}

export interface EmailView {
  to: string;
  template: string;
  correlationId: string | null;
}

/** What the system says at the end, read through its public APIs only. */
export interface FinalState {
  invoices: Record<string, { status: string; posted: boolean; correlationId?: string } | null>;
  journals: Record<string, JournalView[]>;
  /** Every payment of the run's invoices, as Sales lists them (also those whose answer the client lost). */
  payments: Record<string, PaymentView>;
  charges: { reference: string | null; status: string; refund: unknown }[];
  customers: Record<string, { balance: string } | null>;
  trialBalance: { totalDebit: string; totalCredit: string } | null;
  emails: Record<string, EmailView[]>;
  runs: Record<
    string,
    { status: string; residents: number; created: number; skipped: number; failed: number } | null
  >;
  /** Invoices of the demo residents' customers, counted by `customerId|period` of their issue date. */
  runInvoices: Record<string, number>;
  runCustomers: string[];
  purchaseOrders: Record<string, { status: string } | null>;
  bills: Record<string, { posted: boolean } | null>;
  salaryRuns: Record<string, { status: string; posted: boolean } | null>;
  unfinishedSagas: { id: string; status: string; correlationId?: string }[];
  deadLetters: {
    service: string;
    messageId: string | null;
    type: string | null;
    reason: string;
    status: string;
  }[];
  resources?: { before: ResourceLevel; after: ResourceLevel };
}

export interface Reader {
  url(service: ServiceName): string;
  /** The organization's admin: its invoices, payments, ledger and customers. */
  token: string;
  /** The platform's operator: the gateway's charge book, every saga and dead letter. */
  operatorToken: string;
  gatewayCopies: string[];
  since: string;
}

async function get(base: string, path: string, token: string): Promise<{ status: number; body: any }> {
  for (let attempt = 0; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(30_000),
      });
      if (res.status < 500 || attempt >= 5)
        return { status: res.status, body: await res.json().catch(() => undefined) };
    } catch (err) {
      if (attempt >= 5) throw err;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Fetches `paths` a few at a time (the machine is shared; the system is being read, not loaded). */
async function each<T>(
  items: readonly string[],
  fn: (item: string) => Promise<T>,
): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[items[i]!] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  return out;
}

/** Every page of a keyset-paged list. */
async function all(base: string, path: string, token: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 200; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await get(
      base,
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      token,
    );
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}`);
    items.push(...(res.body.items as any[]));
    cursor = res.body.nextCursor ?? undefined;
    if (!cursor) break;
  }
  return items;
}

const orNull = (r: { status: number; body: any }) => (r.status === 200 ? r.body : null);

export async function readFinalState(h: History, r: Reader): Promise<FinalState> {
  const sales = r.url('sales');
  const common = r.url('common');
  const t = r.token;
  const op = r.operatorToken;
  const payments: Record<string, PaymentView> = {};
  await each(
    h.invoices.map((i) => i.invoiceId),
    async (id) => {
      for (const p of await all(sales, `/api/payments?invoiceId=${id}`, t)) payments[p.id] = p as PaymentView;
    },
  );
  const references = [
    ...h.invoices.map((i) => i.invoiceId),
    ...Object.keys(payments),
    ...h.purchaseOrders.map((p) => p.purchaseOrderId),
    ...h.bills.map((b) => b.billId),
    ...h.salaryRuns.map((s) => s.salaryRunId),
  ];
  const correlationIds = [
    ...h.invoices.map((i) => i.correlationId),
    ...Object.values(payments).map((p) => p.correlationId ?? ''),
    ...h.purchaseOrders.flatMap((p) => [p.submitCorrelationId, p.approvedCorrelationId ?? '']),
    ...h.salaryRuns.map((s) => s.postCorrelationId ?? ''),
  ].filter(Boolean);
  const charges: FinalState['charges'] = [];
  for (const base of r.gatewayCopies) {
    const res = await get(base, '/api/charges', op);
    if (res.status === 200) charges.push(...(res.body.items as FinalState['charges']));
  }
  // Whom a monthly run invoices: the organization's active residents, as Community lists them.
  const runCustomers = [
    ...new Set(
      (await all(r.url('community'), '/api/residents/active', t)).map((x) => x.customerId as string),
    ),
  ];
  const runInvoices: Record<string, number> = {};
  await each(runCustomers, async (customerId) => {
    for (const inv of await all(sales, `/api/invoices?customerId=${customerId}`, t)) {
      const key = `${customerId}|${String(inv.issueDate).slice(0, 7)}`;
      runInvoices[key] = (runInvoices[key] ?? 0) + 1;
    }
  });
  const unfinishedSagas: FinalState['unfinishedSagas'] = [];
  for (const status of ['running', 'compensating', 'needs-attention']) {
    const res = await get(sales, `/api/ops/sagas?status=${status}&limit=100`, op);
    if (res.status === 200) unfinishedSagas.push(...(res.body.items as FinalState['unfinishedSagas']));
  }
  const deadLetters: FinalState['deadLetters'] = [];
  for (const service of ['common', 'community', 'sales', 'purchase', 'payroll', 'notification'] as const) {
    const res = await get(
      r.url(service),
      `/api/ops/dead-letters?limit=500&since=${encodeURIComponent(r.since)}`,
      op,
    );
    if (res.status !== 200) throw new Error(`dead letters of ${service}: ${res.status}`);
    for (const d of res.body.items as any[]) {
      if (d.deadLetteredAt >= r.since)
        deadLetters.push({
          service,
          messageId: d.messageId,
          type: d.type,
          reason: d.reason,
          status: d.status,
        });
    }
  }
  const trial = await get(common, '/api/ledger/trial-balance', t);
  return {
    invoices: await each(
      h.invoices.map((i) => i.invoiceId),
      async (id) => orNull(await get(sales, `/api/invoices/${id}`, t)),
    ),
    journals: await each(
      references,
      async (id) => (await get(common, `/api/ledger/journals?referenceId=${id}`, t)).body?.items ?? [],
    ),
    payments,
    charges,
    customers: await each(
      h.customers.map((c) => c.id),
      async (id) => orNull(await get(common, `/api/customers/${id}`, t)),
    ),
    trialBalance: orNull(trial),
    emails: await each(correlationIds, async (cid) =>
      all(r.url('notification'), `/api/emails?correlationId=${cid}`, t),
    ),
    runs: await each(
      h.runs.map((x) => x.runId),
      async (id) => orNull(await get(sales, `/api/invoice-runs/${id}`, t)),
    ),
    runInvoices,
    runCustomers,
    purchaseOrders: await each(
      h.purchaseOrders.map((p) => p.purchaseOrderId),
      async (id) => orNull(await get(r.url('purchase'), `/api/purchase-orders/${id}`, t)),
    ),
    bills: await each(
      h.bills.map((b) => b.billId),
      async (id) => orNull(await get(r.url('purchase'), `/api/bills/${id}`, t)),
    ),
    salaryRuns: await each(
      h.salaryRuns.map((s) => s.salaryRunId),
      async (id) => orNull(await get(r.url('payroll'), `/api/salary-runs/${id}`, t)),
    ),
    unfinishedSagas,
    deadLetters,
  };
}
