import { describe, expect, it } from 'vitest';
import { check } from '../../../ops/chaos/checker.js';
import type { FinalState } from '../../../ops/chaos/final-state.js';
import { emptyHistory, type History } from '../../../ops/chaos/history.js';

const CUSTOMER = '00000000-0000-4000-8000-000000000001';
const INVOICE = '00000000-0000-4000-8000-0000000000a1';
const PAYMENT = '00000000-0000-4000-8000-0000000000b1';
const line = (accountCode: string, debit: string, credit: string) => ({ accountCode, debit, credit });

/** One invoice of 500.25, paid: the history a client keeps and the state a healthy system ends in. */
function healthy(): { h: History; f: FinalState } {
  const h = emptyHistory();
  h.customers.push({ id: CUSTOMER, email: 'c@chaos.example' });
  h.invoices.push({
    key: 'k1',
    invoiceId: INVOICE,
    customerId: CUSTOMER,
    amount: '500.25',
    correlationId: 'cid-inv',
  });
  h.payments.push({
    invoiceId: INVOICE,
    paymentId: PAYMENT,
    paymentMethodId: 'pm_card_visa',
    answered: 'succeeded',
    correlationId: 'cid-pay',
  });
  h.poison.push({ messageId: 'poison-1', routingKey: 'notification.commands' });
  const f: FinalState = {
    invoices: { [INVOICE]: { status: 'paid', posted: true } },
    journals: {
      [INVOICE]: [
        {
          id: 'j1',
          postingKind: 'invoice',
          lines: [line('1200', '500.25', '0.00'), line('4000', '0.00', '500.25')],
        },
      ],
      [PAYMENT]: [
        {
          id: 'j2',
          postingKind: 'payment',
          lines: [line('1100', '500.25', '0.00'), line('1200', '0.00', '500.25')],
        },
      ],
    },
    payments: {
      [PAYMENT]: {
        id: PAYMENT,
        invoiceId: INVOICE,
        status: 'succeeded',
        paymentMethodId: 'pm_card_visa',
        correlationId: 'cid-pay',
      },
    },
    charges: [{ reference: `payment:${PAYMENT}`, status: 'succeeded', refund: null }],
    customers: { [CUSTOMER]: { balance: '0.00' } },
    trialBalance: { totalDebit: '1000.50', totalCredit: '1000.50' },
    emails: {
      'cid-inv': [{ to: 'c@chaos.example', template: 'invoice-created', correlationId: 'cid-inv' }],
      'cid-pay': [{ to: 'c@chaos.example', template: 'payment-receipt', correlationId: 'cid-pay' }],
    },
    runs: {},
    runInvoices: {},
    runCustomers: [],
    purchaseOrders: {},
    bills: {},
    salaryRuns: {},
    unfinishedSagas: [],
    deadLetters: [
      {
        service: 'notification',
        messageId: 'poison-1',
        type: 'notification.send-invoice-email',
        reason: 'invalid',
        status: 'open',
      },
    ],
  };
  return { h, f };
}

const failing = (inv: ReturnType<typeof check>) =>
  Object.entries(inv)
    .filter(([, r]) => !r.ok)
    .map(([k]) => k);

describe('the chaos checker', () => {
  it('passes a history and final state that agree', () => {
    const { h, f } = healthy();
    expect(failing(check(h, f, 1))).toEqual([]);
  });

  it("reports an invoice's balance moved twice (the broken build's bug) with the customer and the invoice", () => {
    const { h, f } = healthy();
    f.customers[CUSTOMER] = { balance: '500.25' };
    const inv = check(h, f, 1);
    expect(failing(inv)).toEqual(['balancesMatchLedger']);
    const v = inv.balancesMatchLedger!.violations[0]!;
    expect(v.document).toBe(`customer ${CUSTOMER}`);
    expect(v.problem).toContain('balance 500.25, ledger 0.00');
    expect(v.problem).toContain(INVOICE);
    expect(v.problem).toContain('cid-inv');
  });

  it('reports a second charge, a second journal, a second mail, a missing document and a stray dead letter', () => {
    const { h, f } = healthy();
    f.charges.push({ reference: `payment:${PAYMENT}`, status: 'succeeded', refund: null });
    f.journals[INVOICE]!.push({ id: 'j3', postingKind: 'invoice-void', lines: [] });
    f.emails['cid-inv']!.push({
      to: 'c@chaos.example',
      template: 'invoice-created',
      correlationId: 'cid-inv',
    });
    f.deadLetters.push({
      service: 'common',
      messageId: 'm-2',
      type: 'sales.invoice-created',
      reason: 'boom',
      status: 'open',
    });
    f.payments = {};
    const inv = check(h, f, 1);
    expect(failing(inv)).toEqual(
      expect.arrayContaining([
        'effectsOnce',
        'journalPerDocument',
        'chargedOnce',
        'oneMailPerFact',
        'onlyPoisonDeadLettered',
      ]),
    );
    expect(inv.oneMailPerFact!.violations[0]).toMatchObject({
      document: `invoice ${INVOICE}`,
      correlationId: 'cid-inv',
    });
    expect(inv.journalPerDocument!.violations[0]!.problem).toBe(
      'journals [invoice, invoice-void], expected [invoice]',
    );
  });

  it('reports an unbalanced trial balance, a saga still running and a declined card charged', () => {
    const { h, f } = healthy();
    f.trialBalance = { totalDebit: '10.00', totalCredit: '9.99' };
    f.unfinishedSagas.push({ id: 's1', status: 'running', correlationId: 'cid-x' });
    f.payments[PAYMENT]!.paymentMethodId = 'pm_card_declined';
    const inv = check(h, f, 1);
    expect(failing(inv)).toEqual(
      expect.arrayContaining(['trialBalanced', 'nothingUnfinished', 'chargedOnce']),
    );
  });
});

describe('the dead letters of a mail outage', () => {
  it('pass once the run replayed them (the runbook); any other dead letter does not', () => {
    const { h, f } = healthy();
    const outage = {
      service: 'notification',
      type: 'sales.invoice-created',
      reason: 'mail delivery is down: ...',
    };
    f.deadLetters.push({ ...outage, messageId: 'm-replayed', status: 'replayed' });
    h.replayedAfterMailOutage.push('m-replayed');
    expect(check(h, f, 1).onlyPoisonDeadLettered!.ok).toBe(true);
    f.deadLetters.push({ ...outage, messageId: 'm-open', status: 'open' });
    expect(check(h, f, 1).onlyPoisonDeadLettered!.violations).toEqual([
      {
        document: 'dead letter m-open in notification',
        problem: 'sales.invoice-created: mail delivery is down: ...',
      },
    ]);
  });
});
