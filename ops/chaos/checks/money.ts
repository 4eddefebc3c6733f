import {
  cents,
  cid,
  result,
  type FinalState,
  type History,
  type InvariantResult,
  type Violation,
} from './types.js';

export function trialBalanced(f: FinalState): InvariantResult {
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

/**
 * A paid invoice is charged once at the gateway (a charge kept, not refunded); an unpaid one has
 * no charge kept; a refunded charge only for a voided invoice; a declined card never charged.
 */
export function chargedOnce(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const payments = Object.values(f.payments);
  for (const inv of h.invoices) {
    const refs = new Set(payments.filter((p) => p.invoiceId === inv.invoiceId).map((p) => `payment:${p.id}`));
    const charges = f.charges.filter(
      (c) => c.reference !== null && refs.has(c.reference) && c.status === 'succeeded',
    );
    const kept = charges.filter((c) => !c.refund).length;
    const status = f.invoices[inv.invoiceId]?.status;
    const want = status === 'paid' ? 1 : 0;
    const doc = `invoice ${inv.invoiceId}`;
    if (kept !== want)
      v.push({
        document: doc,
        ...cid(inv.correlationId),
        problem: `${status}, ${kept} charge(s) kept at the gateway`,
      });
    if (charges.length > kept && status !== 'void')
      v.push({
        document: doc,
        ...cid(inv.correlationId),
        problem: 'a charge refunded but the invoice is not void',
      });
  }
  for (const p of payments.filter((x) => x.paymentMethodId === 'pm_card_declined'))
    if (f.charges.some((c) => c.reference === `payment:${p.id}` && c.status === 'succeeded'))
      v.push({ document: `payment ${p.id}`, ...cid(p.correlationId), problem: 'declined card charged' });
  return result(h.invoices.length, 'invoices', v);
}

/** A customer's balance is what their receivable lines (1200) in the ledger say. */
export function balancesMatchLedger(h: History, f: FinalState): InvariantResult {
  const v: Violation[] = [];
  const payments = Object.values(f.payments);
  for (const c of h.customers) {
    const invoices = h.invoices.filter((i) => i.customerId === c.id);
    const ids = new Set(invoices.map((i) => i.invoiceId));
    const refs = [...ids, ...payments.filter((p) => ids.has(p.invoiceId)).map((p) => p.id)];
    let ledger = 0;
    for (const ref of refs)
      for (const j of f.journals[ref] ?? [])
        for (const l of j.lines) if (l.accountCode === '1200') ledger += cents(l.debit) - cents(l.credit);
    const balance = f.customers[c.id]?.balance;
    if (balance === undefined) v.push({ document: `customer ${c.id}`, problem: 'not found' });
    else if (cents(balance) !== ledger)
      v.push({
        document: `customer ${c.id}`,
        problem: `balance ${balance}, ledger ${(ledger / 100).toFixed(2)}; invoices ${invoices
          .map((i) => `${i.invoiceId} (${i.amount}, correlation ${i.correlationId})`)
          .join(', ')}`,
      });
  }
  return result(h.customers.length, 'customers', v);
}
