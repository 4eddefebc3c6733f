import { backToLevel } from '../resources.js';
import { cid, result, type FinalState, type History, type InvariantResult, type Violation } from './types.js';

/** One mail per fact and recipient, and every fact mailed (invoice, receipt, PO notices, payslips). */
export function oneMailPerFact(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const expectMails = (
    correlationId: string | null | undefined,
    template: string,
    recipients: number | undefined,
    doc: string,
  ) => {
    if (!correlationId) return;
    const mails = (f.emails[correlationId] ?? []).filter((m) => m.template === template);
    const perTo = new Map<string, number>();
    for (const m of mails) perTo.set(m.to, (perTo.get(m.to) ?? 0) + 1);
    const twice = [...perTo].filter(([, n]) => n > 1).map(([to, n]) => `${to} x${n}`);
    if (twice.length > 0)
      v.push({
        document: doc,
        correlationId,
        problem: `${template} mailed more than once: ${twice.join(', ')}`,
      });
    if (perTo.size === 0 || (recipients !== undefined && perTo.size !== recipients))
      v.push({
        document: doc,
        correlationId,
        problem: `${template} to ${perTo.size} recipient(s), expected ${recipients ?? 'some'}`,
      });
  };
  for (const i of h.invoices) expectMails(i.correlationId, 'invoice-created', 1, `invoice ${i.invoiceId}`);
  for (const p of Object.values(f.payments))
    if (p.status === 'succeeded') expectMails(p.correlationId, 'payment-receipt', 1, `payment ${p.id}`);
  for (const po of h.purchaseOrders) {
    expectMails(
      po.submitCorrelationId,
      'po-approval-required',
      undefined,
      `purchase order ${po.purchaseOrderId}`,
    );
    if (po.approved)
      expectMails(po.approvedCorrelationId, 'po-approved', 1, `purchase order ${po.purchaseOrderId}`);
  }
  for (const s of h.salaryRuns)
    if (s.posted) expectMails(s.postCorrelationId, 'payslip', s.employees, `salary run ${s.salaryRunId}`);
  const mails = Object.values(f.emails).reduce((n, m) => n + m.length, 0);
  return result(mails, 'mails', v);
}

/** Nothing left in flight: sagas, runs, payments, documents waiting for the ledger. */
export function nothingUnfinished(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = f.unfinishedSagas.map((s) => ({
    document: `saga ${s.id}`,
    ...cid(s.correlationId),
    problem: s.status,
  }));
  for (const r of h.runs) {
    const run = f.runs[r.runId];
    if (run && (run.status !== 'completed' || run.failed > 0))
      v.push({ document: `run ${r.runId} (${r.period})`, problem: `${run.status}, ${run.failed} failed` });
  }
  for (const p of Object.values(f.payments))
    if (!['succeeded', 'failed', 'refunded'].includes(p.status))
      v.push({ document: `payment ${p.id}`, ...cid(p.correlationId), problem: p.status });
  for (const i of h.invoices)
    if (f.invoices[i.invoiceId] && !f.invoices[i.invoiceId]!.posted)
      v.push({ document: `invoice ${i.invoiceId}`, ...cid(i.correlationId), problem: 'not posted' });
  for (const b of h.bills)
    if (f.bills[b.billId] && !f.bills[b.billId]!.posted)
      v.push({ document: `bill ${b.billId}`, ...cid(b.correlationId), problem: 'not posted' });
  for (const s of h.salaryRuns) {
    const run = f.salaryRuns[s.salaryRunId];
    if (run?.status === 'posted' && !run.posted)
      v.push({
        document: `salary run ${s.salaryRunId}`,
        ...cid(s.postCorrelationId),
        problem: 'not acknowledged by the ledger',
      });
  }
  const checked =
    f.unfinishedSagas.length +
    h.runs.length +
    Object.keys(f.payments).length +
    h.invoices.length +
    h.bills.length;
  return result(checked, 'sagas, runs and documents', v);
}

/**
 * The dead letters of the run are exactly the poison messages it sent, each once; but for those of
 * the mail outage, which the run replayed as the switch's runbook says (counted in the detail).
 */
export function onlyPoisonDeadLettered(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const poison = new Set(h.poison.map((p) => p.messageId));
  const replayed = new Set(h.replayedAfterMailOutage);
  const outage = f.deadLetters.filter(
    (d) => d.status === 'replayed' && d.messageId && replayed.has(d.messageId),
  );
  for (const d of f.deadLetters.filter((x) => !outage.includes(x)))
    if (!d.messageId || !poison.has(d.messageId))
      v.push({
        document: `dead letter ${d.messageId} in ${d.service}`,
        problem: `${d.type}: ${d.reason.slice(0, 200)}`,
      });
  for (const id of poison) {
    const n = f.deadLetters.filter((d) => d.messageId === id).length;
    if (n !== 1) v.push({ document: `poison ${id}`, problem: `${n} dead letters` });
  }
  return result(
    f.deadLetters.length,
    `dead letters (${poison.size} poison sent; ${outage.length} of the mail outage replayed)`,
    v,
  );
}

export function resourcesBack(f: FinalState, copies: number): InvariantResult {
  if (!f.resources)
    return { ok: true, detail: 'not measured (a cluster this run did not start)', violations: [] };
  const { before, after } = f.resources;
  const problems = backToLevel(before, after, copies);
  return {
    ok: problems.length === 0,
    detail: `memory ${before.rssMb} -> ${after.rssMb} MB, PostgreSQL connections ${before.postgresConnections} -> ${after.postgresConnections}, RabbitMQ ${before.amqpConnections} -> ${after.amqpConnections}`,
    violations: problems.map((problem) => ({ document: 'cluster', problem })),
  };
}
