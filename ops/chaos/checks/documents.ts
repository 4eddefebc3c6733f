import type { JournalView } from '../final-state.js';
import { cid, result, type FinalState, type History, type InvariantResult, type Violation } from './types.js';

const kinds = (js: readonly JournalView[] | undefined) => (js ?? []).map((j) => j.postingKind).sort();
const approvedStates = ['approved', 'billed'];

/** Each accepted request's effect exists exactly once, in the state the client left it in. */
export function effectsOnce(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const voided = new Set(h.voids.map((x) => x.invoiceId));
  const ids = new Set<string>();
  for (const inv of h.invoices) {
    const doc = `invoice ${inv.invoiceId}`;
    if (ids.has(inv.invoiceId))
      v.push({ document: doc, ...cid(inv.correlationId), problem: 'two keys answered with one invoice' });
    ids.add(inv.invoiceId);
    const got = f.invoices[inv.invoiceId];
    if (!got) v.push({ document: doc, ...cid(inv.correlationId), problem: 'accepted but not found' });
    else if (voided.has(inv.invoiceId) && got.status !== 'void')
      v.push({ document: doc, ...cid(inv.correlationId), problem: `voided but ${got.status}` });
  }
  for (const p of h.payments) {
    const got = f.payments[p.paymentId];
    if (!got)
      v.push({
        document: `payment ${p.paymentId}`,
        ...cid(p.correlationId),
        problem: 'accepted but not found',
      });
    else if (p.answered !== 'pending' && (got.status === 'succeeded') !== (p.answered === 'succeeded'))
      v.push({
        document: `payment ${p.paymentId}`,
        ...cid(p.correlationId),
        problem: `answered ${p.answered}, now ${got.status}`,
      });
  }
  // One payment succeeded per invoice at most: a second would be money taken twice.
  const paidBy = new Map<string, number>();
  for (const p of Object.values(f.payments))
    if (p.status === 'succeeded') paidBy.set(p.invoiceId, (paidBy.get(p.invoiceId) ?? 0) + 1);
  for (const [invoiceId, n] of paidBy)
    if (n > 1) v.push({ document: `invoice ${invoiceId}`, problem: `${n} succeeded payments` });
  for (const r of h.runs)
    if (!f.runs[r.runId]) v.push({ document: `run ${r.runId}`, problem: 'accepted but not found' });
  for (const po of h.purchaseOrders) {
    const got = f.purchaseOrders[po.purchaseOrderId];
    const doc = `purchase order ${po.purchaseOrderId}`;
    if (!got) v.push({ document: doc, ...cid(po.submitCorrelationId), problem: 'accepted but not found' });
    else if (po.approved && !approvedStates.includes(got.status))
      v.push({ document: doc, ...cid(po.submitCorrelationId), problem: `approved but ${got.status}` });
  }
  for (const b of h.bills)
    if (!f.bills[b.billId])
      v.push({ document: `bill ${b.billId}`, ...cid(b.correlationId), problem: 'accepted but not found' });
  for (const s of h.salaryRuns) {
    const got = f.salaryRuns[s.salaryRunId];
    if (!got) v.push({ document: `salary run ${s.salaryRunId}`, problem: 'accepted but not found' });
    else if (s.posted && got.status !== 'posted')
      v.push({
        document: `salary run ${s.salaryRunId}`,
        ...cid(s.postCorrelationId),
        problem: `posted but ${got.status}`,
      });
  }
  // Monthly runs: one invoice per active resident and period that a completed run covered.
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

/** Each document has exactly the journals its history calls for: one per posting kind, no other. */
export function journalsPerDocument(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const expect = (ref: string, want: string[], what: string, correlationId?: string | null) => {
    const got = kinds(f.journals[ref]);
    if (got.join(',') !== [...want].sort().join(','))
      v.push({
        document: `${what} ${ref}`,
        ...cid(correlationId),
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
  for (const p of Object.values(f.payments))
    expect(p.id, p.status === 'succeeded' ? ['payment'] : [], 'payment', p.correlationId);
  const billedPos = new Set(h.bills.map((b) => b.purchaseOrderId).filter(Boolean));
  for (const po of h.purchaseOrders) {
    const approved = approvedStates.includes(f.purchaseOrders[po.purchaseOrderId]?.status ?? '');
    const billed = billedPos.has(po.purchaseOrderId);
    const want = !approved ? [] : billed ? ['po-reservation', 'po-reservation-reversal'] : ['po-reservation'];
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
