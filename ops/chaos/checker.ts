import type { FinalState, JournalView } from './final-state.js';
import type { History } from './history.js';
import { backToLevel } from './resources.js';

export interface Violation {
  /** The document (invoice, payment, order, ...) or thing that breaks the invariant. */
  document: string;
  correlationId?: string;
  problem: string;
}

export interface InvariantResult {
  ok: boolean;
  detail: string;
  violations: Violation[];
}

export type Invariants = Record<string, InvariantResult>;

const cents = (s: string | number | undefined | null): number => Math.round(Number(s ?? 0) * 100);
const kinds = (js: readonly JournalView[] | undefined) => (js ?? []).map((j) => j.postingKind).sort();

function result(checked: number, what: string, violations: Violation[]): InvariantResult {
  return {
    ok: violations.length === 0,
    detail:
      violations.length === 0
        ? `${checked} ${what}`
        : `${violations.length} of ${checked} ${what} violate it`,
    violations,
  };
}

/** Each accepted request's effect exists exactly once (documents there, in the state they were left in). */
function effectsOnce(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const voided = new Set(h.voids.map((x) => x.invoiceId));
  const ids = new Set<string>();
  for (const inv of h.invoices) {
    if (ids.has(inv.invoiceId))
      v.push({
        document: `invoice ${inv.invoiceId}`,
        correlationId: inv.correlationId,
        problem: 'two keys answered with one invoice',
      });
    ids.add(inv.invoiceId);
    const got = f.invoices[inv.invoiceId];
    if (!got)
      v.push({
        document: `invoice ${inv.invoiceId}`,
        correlationId: inv.correlationId,
        problem: 'accepted but not found',
      });
    else if (voided.has(inv.invoiceId) && got.status !== 'void')
      v.push({
        document: `invoice ${inv.invoiceId}`,
        correlationId: inv.correlationId,
        problem: `voided but ${got.status}`,
      });
  }
  for (const p of h.payments) {
    if (!f.payments[p.paymentId])
      v.push({
        document: `payment ${p.paymentId}`,
        correlationId: p.correlationId,
        problem: 'accepted but not found',
      });
  }
  for (const r of h.runs)
    if (!f.runs[r.runId]) v.push({ document: `run ${r.runId}`, problem: 'accepted but not found' });
  for (const po of h.purchaseOrders) {
    const got = f.purchaseOrders[po.purchaseOrderId];
    if (!got)
      v.push({
        document: `purchase order ${po.purchaseOrderId}`,
        correlationId: po.submitCorrelationId,
        problem: 'accepted but not found',
      });
    else if (po.approved && got.status !== 'approved' && got.status !== 'billed')
      v.push({
        document: `purchase order ${po.purchaseOrderId}`,
        correlationId: po.submitCorrelationId,
        problem: `approved but ${got.status}`,
      });
  }
  for (const b of h.bills)
    if (!f.bills[b.billId])
      v.push({
        document: `bill ${b.billId}`,
        correlationId: b.correlationId,
        problem: 'accepted but not found',
      });
  for (const s of h.salaryRuns) {
    const got = f.salaryRuns[s.salaryRunId];
    if (!got) v.push({ document: `salary run ${s.salaryRunId}`, problem: 'accepted but not found' });
    else if (s.posted && got.status !== 'posted')
      v.push({
        document: `salary run ${s.salaryRunId}`,
        correlationId: s.postCorrelationId,
        problem: `posted but ${got.status}`,
      });
  }
  // Runs: one invoice per resident and period a completed run covered.
  const periods = new Set(h.runs.filter((r) => f.runs[r.runId]?.status === 'completed').map((r) => r.period));
  for (const period of periods)
    for (const customerId of f.runCustomers) {
      const n = f.runInvoices[`${customerId}|${period}`] ?? 0;
      if (n !== 1)
        v.push({
          document: `customer ${customerId} period ${period}`,
          problem: `${n} invoices from monthly runs`,
        });
    }
  const checked =
    h.invoices.length +
    h.payments.length +
    h.runs.length +
    h.purchaseOrders.length +
    h.bills.length +
    h.salaryRuns.length;
  return result(checked, 'accepted requests', v);
}

/** Each document has exactly the journals its history calls for, one per posting kind. */
function journalsPerDocument(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const expect = (ref: string, want: string[], what: string, correlationId?: string) => {
    const got = kinds(f.journals[ref]);
    if (got.join(',') !== [...want].sort().join(','))
      v.push({
        document: `${what} ${ref}`,
        ...(correlationId ? { correlationId } : {}),
        problem: `journals [${got.join(', ')}], expected [${want.join(', ')}]`,
      });
  };
  for (const inv of h.invoices) {
    const status = f.invoices[inv.invoiceId]?.status;
    expect(
      inv.invoiceId,
      status === 'void' ? ['invoice', 'invoice-void'] : ['invoice'],
      'invoice',
      inv.correlationId,
    );
  }
  for (const p of h.payments) {
    const status = f.payments[p.paymentId]?.status;
    expect(p.paymentId, status === 'succeeded' ? ['payment'] : [], 'payment', p.correlationId);
  }
  const billedPos = new Set(h.bills.map((b) => b.purchaseOrderId).filter(Boolean));
  for (const po of h.purchaseOrders) {
    const approved = ['approved', 'billed'].includes(f.purchaseOrders[po.purchaseOrderId]?.status ?? '');
    const want = approved
      ? billedPos.has(po.purchaseOrderId)
        ? ['po-reservation', 'po-reservation-reversal']
        : ['po-reservation']
      : [];
    expect(po.purchaseOrderId, want, 'purchase order', po.submitCorrelationId);
  }
  for (const b of h.bills) expect(b.billId, ['bill'], 'bill', b.correlationId);
  for (const s of h.salaryRuns)
    expect(
      s.salaryRunId,
      f.salaryRuns[s.salaryRunId]?.status === 'posted' ? ['salary'] : [],
      'salary run',
      s.postCorrelationId,
    );
  return result(Object.keys(f.journals).length, 'documents', v);
}

function trialBalanced(f: FinalState): InvariantResult {
  const t = f.trialBalance;
  const v: Violation[] = !t
    ? [{ document: 'trial balance', problem: 'could not be read' }]
    : cents(t.totalDebit) !== cents(t.totalCredit)
      ? [{ document: 'trial balance', problem: `debit ${t.totalDebit} != credit ${t.totalCredit}` }]
      : [];
  return {
    ok: v.length === 0,
    detail: t ? `debit ${t.totalDebit} = credit ${t.totalCredit}` : 'unread',
    violations: v,
  };
}

/** Paid invoices charged once (not refunded), others never charged but for a refunded charge of a void one. */
function chargedOnce(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const byInvoice = new Map<string, string[]>();
  for (const p of h.payments)
    byInvoice.set(p.invoiceId, [...(byInvoice.get(p.invoiceId) ?? []), p.paymentId]);
  for (const [invoiceId, paymentIds] of byInvoice) {
    const refs = new Set(paymentIds.map((id) => `payment:${id}`));
    const charges = f.charges.filter(
      (c) => c.reference !== null && refs.has(c.reference) && c.status === 'succeeded',
    );
    const kept = charges.filter((c) => !c.refund).length;
    const status = f.invoices[invoiceId]?.status;
    const inv = h.invoices.find((i) => i.invoiceId === invoiceId);
    const want = status === 'paid' ? 1 : 0;
    if (kept !== want)
      v.push({
        document: `invoice ${invoiceId}`,
        ...(inv ? { correlationId: inv.correlationId } : {}),
        problem: `${status}, ${kept} charge(s) kept at the gateway`,
      });
    if (charges.length > kept && status !== 'void')
      v.push({ document: `invoice ${invoiceId}`, problem: 'a charge refunded but the invoice is not void' });
  }
  for (const p of h.payments.filter((x) => x.paymentMethodId === 'pm_card_declined')) {
    if (f.charges.some((c) => c.reference === `payment:${p.paymentId}` && c.status === 'succeeded'))
      v.push({
        document: `payment ${p.paymentId}`,
        correlationId: p.correlationId,
        problem: 'declined card charged',
      });
  }
  return result(byInvoice.size, 'invoices with payments', v);
}

/** The customer's balance is what their receivable lines say, and what the client was told. */
function balancesMatchLedger(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  for (const c of h.customers) {
    const invoices = h.invoices.filter((i) => i.customerId === c.id);
    const refs = [
      ...invoices.map((i) => i.invoiceId),
      ...h.payments.filter((p) => invoices.some((i) => i.invoiceId === p.invoiceId)).map((p) => p.paymentId),
    ];
    let ledger = 0;
    for (const ref of refs)
      for (const j of f.journals[ref] ?? [])
        for (const l of j.lines) if (l.accountCode === '1200') ledger += cents(l.debit) - cents(l.credit);
    const balance = f.customers[c.id]?.balance;
    if (balance === undefined) v.push({ document: `customer ${c.id}`, problem: 'not found' });
    else if (cents(balance) !== ledger)
      v.push({
        document: `customer ${c.id}`,
        problem: `balance ${balance}, ledger ${(ledger / 100).toFixed(2)} (invoices ${invoices.map((i) => i.invoiceId).join(', ')})`,
      });
  }
  return result(h.customers.length, 'customers', v);
}

/** One mail per fact and recipient; every fact mailed. */
function oneMailPerFact(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const expectMails = (
    cid: string | undefined,
    template: string,
    atLeast: number,
    exactly: number | undefined,
    doc: string,
  ) => {
    if (!cid) return;
    const mails = (f.emails[cid] ?? []).filter((m) => m.template === template);
    const perTo = new Map<string, number>();
    for (const m of mails) perTo.set(m.to, (perTo.get(m.to) ?? 0) + 1);
    const twice = [...perTo].filter(([, n]) => n > 1).map(([to, n]) => `${to} x${n}`);
    if (twice.length > 0)
      v.push({
        document: doc,
        correlationId: cid,
        problem: `${template} mailed more than once: ${twice.join(', ')}`,
      });
    if (mails.length < atLeast || (exactly !== undefined && perTo.size !== exactly))
      v.push({
        document: doc,
        correlationId: cid,
        problem: `${perTo.size} ${template} recipient(s), expected ${exactly ?? `at least ${atLeast}`}`,
      });
  };
  for (const i of h.invoices) expectMails(i.correlationId, 'invoice-created', 1, 1, `invoice ${i.invoiceId}`);
  for (const p of h.payments)
    if (f.payments[p.paymentId]?.status === 'succeeded')
      expectMails(p.correlationId, 'payment-receipt', 1, 1, `payment ${p.paymentId}`);
  for (const po of h.purchaseOrders) {
    expectMails(
      po.submitCorrelationId,
      'po-approval-required',
      1,
      undefined,
      `purchase order ${po.purchaseOrderId}`,
    );
    if (po.approved)
      expectMails(po.approvedCorrelationId, 'po-approved', 1, 1, `purchase order ${po.purchaseOrderId}`);
  }
  for (const s of h.salaryRuns)
    if (s.posted)
      expectMails(s.postCorrelationId, 'payslip', s.employees, s.employees, `salary run ${s.salaryRunId}`);
  const mails = Object.values(f.emails).reduce((n, m) => n + m.length, 0);
  return result(mails, 'mails', v);
}

/** Nothing left running: sagas, runs, documents waiting for the ledger. */
function nothingUnfinished(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = f.unfinishedSagas.map((s) => ({
    document: `saga ${s.id}`,
    ...(s.correlationId ? { correlationId: s.correlationId } : {}),
    problem: s.status,
  }));
  for (const r of h.runs) {
    const run = f.runs[r.runId];
    if (run && (run.status !== 'completed' || run.failed > 0))
      v.push({ document: `run ${r.runId} (${r.period})`, problem: `${run.status}, ${run.failed} failed` });
  }
  for (const p of h.payments) {
    const s = f.payments[p.paymentId]?.status;
    if (s && !['succeeded', 'failed', 'refunded'].includes(s))
      v.push({ document: `payment ${p.paymentId}`, correlationId: p.correlationId, problem: s });
  }
  for (const i of h.invoices)
    if (f.invoices[i.invoiceId] && !f.invoices[i.invoiceId]!.posted)
      v.push({ document: `invoice ${i.invoiceId}`, correlationId: i.correlationId, problem: 'not posted' });
  for (const b of h.bills)
    if (f.bills[b.billId] && !f.bills[b.billId]!.posted)
      v.push({ document: `bill ${b.billId}`, correlationId: b.correlationId, problem: 'not posted' });
  for (const s of h.salaryRuns) {
    const run = f.salaryRuns[s.salaryRunId];
    if (run?.status === 'posted' && !run.posted)
      v.push({ document: `salary run ${s.salaryRunId}`, problem: 'not acknowledged by the ledger' });
  }
  return result(
    f.unfinishedSagas.length + h.runs.length + h.payments.length + h.invoices.length + h.bills.length,
    'sagas, runs and documents',
    v,
  );
}

/** The dead letters are exactly the poison messages sent on purpose, each once. */
function onlyPoisonDead(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const poison = new Set(h.poison.map((p) => p.messageId));
  for (const d of f.deadLetters)
    if (!d.messageId || !poison.has(d.messageId))
      v.push({
        document: `dead letter ${d.messageId} in ${d.service}`,
        problem: `${d.type}: ${d.reason.slice(0, 200)}`,
      });
  for (const id of poison) {
    const n = f.deadLetters.filter((d) => d.messageId === id).length;
    if (n !== 1) v.push({ document: `poison ${id}`, problem: `${n} dead letters` });
  }
  return result(f.deadLetters.length, `dead letters (${poison.size} poison sent)`, v);
}

function resourcesBack(f: FinalState, copies: number): InvariantResult {
  if (!f.resources)
    return { ok: true, detail: 'not measured (a cluster not started by this run)', violations: [] };
  const { before, after } = f.resources;
  const problems = backToLevel(before, after, copies);
  return {
    ok: problems.length === 0,
    detail: `memory ${before.rssMb} -> ${after.rssMb} MB, PostgreSQL connections ${before.postgresConnections} -> ${after.postgresConnections}, RabbitMQ ${before.amqpConnections} -> ${after.amqpConnections}`,
    violations: problems.map((problem) => ({ document: 'cluster', problem })),
  };
}

/** Every invariant, from the client's history and the final state alone. */
export function check(h: History, f: FinalState, copies: number): Invariants {
  return {
    effectsOnce: effectsOnce(h, f),
    journalPerDocument: journalsPerDocument(h, f),
    trialBalanced: trialBalanced(f),
    chargedOnce: chargedOnce(h, f),
    balancesMatchLedger: balancesMatchLedger(h, f),
    oneMailPerFact: oneMailPerFact(h, f),
    nothingUnfinished: nothingUnfinished(h, f),
    onlyPoisonDeadLettered: onlyPoisonDead(h, f),
    resourcesBack: resourcesBack(f, copies),
  };
}
