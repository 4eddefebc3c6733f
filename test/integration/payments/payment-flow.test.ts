import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { waitFor } from '../../support/wait.js';
import { PaymentSystem } from './payment-fixture.js';

/**
 * Paying an invoice end to end, on RabbitMQ + PostgreSQL and on the embedded default: the saga
 * charges the gateway once, Sales records the payment, Common books Dr 1100 / Cr 1200 and moves
 * the balance once, Notification mails one receipt through a real SMTP server.
 */
describe.each(['distributed', 'embedded'] as const)('payment flow (%s)', (mode) => {
  const f = PaymentSystem.forTests(mode);

  it('pays an invoice: 201, invoice paid, one journal, balance back, one receipt, steps listed', async () => {
    const customer = await f.newCustomer();
    const invoice = await f.postedInvoice(customer.id, '1250.00');
    expect(await f.balance(customer.id)).toBe('1250.00');

    const paid = await f.pay(invoice.id);
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ status: 'succeeded', transactionId: expect.stringMatching(/^txn_/) });
    const paymentId: string = paid.body.paymentId;

    const shown = await f.api('sales', 'GET', `/api/invoices/${invoice.id}`, { token: f.admin });
    expect(shown.body).toMatchObject({ status: 'paid', paidAt: expect.any(String) });

    const journals = await waitFor('the payment journal', async () => {
      const res = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${paymentId}`, {
        token: f.admin,
      });
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(journals).toHaveLength(1);
    expect(journals[0].lines).toEqual([
      { accountCode: '1100', debit: '1250.00', credit: '0.00' },
      { accountCode: '1200', debit: '0.00', credit: '1250.00' },
    ]);
    await waitFor('the receipt', () => f.receipts(customer.email).length > 0);
    const payment = await waitFor('every step done', async () => {
      const p = await f.payment(paymentId);
      return p.body.steps.length === 4 && p.body.steps.every((s: { status: string }) => s.status === 'done')
        ? p.body
        : undefined;
    });
    expect(payment.status).toBe('succeeded');
    expect(payment.steps.map((s: { name: string; status: string }) => [s.name, s.status])).toEqual([
      ['validate', 'done'],
      ['charge', 'done'],
      ['record', 'done'],
      ['update-balance', 'done'],
    ]);
    expect(payment).toMatchObject({
      invoiceId: invoice.id,
      amount: '1250.00',
      transactionId: paid.body.transactionId,
    });
    expect(await f.balance(customer.id)).toBe('0.00');
    expect(f.receipts(customer.email)).toHaveLength(1);
    expect(await f.charges(paymentId)).toHaveLength(1);

    const ops = await f.api('sales', 'GET', `/api/ops/sagas/${paymentId}`, { token: f.admin });
    expect(ops.body).toMatchObject({
      type: 'payment',
      status: 'completed',
      state: { invoiceId: invoice.id },
    });
    const listed = await f.api('sales', 'GET', '/api/ops/sagas?type=payment&status=completed', {
      token: f.admin,
    });
    expect(listed.body.items.map((i: { id: string }) => i.id)).toContain(paymentId);
    const metrics = await waitFor('the saga gauge', async () => {
      const text = await (await fetch(`${f.system.url('sales')}/metrics`)).text();
      return (
        /dhanman_saga_instances\{service="sales",type="payment",status="completed"\} [1-9]/.test(text) && text
      );
    });
    expect(metrics).toContain('dhanman_saga_step_duration_seconds_bucket');
  });

  it('charges once for a repeated key, and answers 409 to a second payment of one invoice', async () => {
    const customer = await f.newCustomer();
    const invoice = await f.postedInvoice(customer.id, '10.00');
    const key = randomUUID();
    const [first, again] = [
      await f.pay(invoice.id, 'pm_card_visa', key),
      await f.pay(invoice.id, 'pm_card_visa', key),
    ];
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await f.charges(first.body.paymentId)).toHaveLength(1);

    const other = await f.postedInvoice(customer.id, '20.00');
    const both = await Promise.all([f.pay(other.id), f.pay(other.id)]);
    expect(both.map((r) => r.status).sort()).toEqual([201, 409]);
    const winner = both.find((r) => r.status === 201)!;
    expect(both.find((r) => r.status === 409)!.body.detail).toMatch(/in progress|paid/);
    expect(
      await f.count('sales', 'SELECT count(*) AS n FROM payment WHERE invoice_id = $1', [other.id]),
    ).toBe(1);
    expect(await f.charges(winner.body.paymentId)).toHaveLength(1);
  });

  it('declines: 402 with the payment and reason, saga failed, invoice unpaid, nothing posted', async () => {
    const customer = await f.newCustomer();
    const invoice = await f.postedInvoice(customer.id, '75.00');
    const declined = await f.pay(invoice.id, 'pm_card_declined');
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ paymentId: expect.any(String), reason: 'card_declined' });
    const payment = await f.waitPayment(declined.body.paymentId, 'failed');
    expect(payment.failureReason).toContain('declined');
    expect((await f.api('sales', 'GET', `/api/invoices/${invoice.id}`, { token: f.admin })).body.status).toBe(
      'issued',
    );
    expect(await f.outboxPaymentsOf(declined.body.paymentId)).toBe(0);
    const journals = await f.api(
      'common',
      'GET',
      `/api/ledger/journals?referenceId=${declined.body.paymentId}`,
      {
        token: f.admin,
      },
    );
    expect(journals.body.items).toEqual([]);
    expect(await f.balance(customer.id)).toBe('75.00');
    // A good card afterwards pays it.
    expect((await f.pay(invoice.id)).status).toBe(201);
  });

  it('refuses bad input with a 4xx and charges nothing', async () => {
    const customer = await f.newCustomer();
    const invoice = await f.postedInvoice(customer.id, '5.00');
    const before = await f.count('sales', 'SELECT count(*) AS n FROM payment');
    expect((await f.pay(randomUUID())).status).toBe(404);
    expect((await f.pay(invoice.id, 'pm_card_visa', null)).status).toBe(400);
    expect((await f.pay(invoice.id, 'not a method')).status).toBe(400);
    expect((await f.pay('not-a-uuid')).status).toBe(400);
    expect(await f.count('sales', 'SELECT count(*) AS n FROM payment')).toBe(before);
  });

  it('lets a resident see and pay only their own invoices', async () => {
    const resident = await f.system.login('resident@demo.dhanman.local');
    const own = await f.postedInvoice(DEMO_RESIDENTS[0].customerId, '2500.00');
    const other = await f.postedInvoice(DEMO_RESIDENTS[1].customerId, '2500.00');
    const list = await f.api('sales', 'GET', '/api/invoices?limit=200', { token: resident });
    expect(list.status).toBe(200);
    const ids = list.body.items.map((i: { id: string; customerId: string }) => i.id);
    expect(ids).toContain(own.id);
    expect(
      list.body.items.every((i: { customerId: string }) => i.customerId === DEMO_RESIDENTS[0].customerId),
    ).toBe(true);
    expect((await f.api('sales', 'GET', `/api/invoices/${other.id}`, { token: resident })).status).toBe(404);
    expect((await f.pay(other.id, 'pm_card_visa', randomUUID(), resident)).status).toBe(404);
    const paid = await f.pay(own.id, 'pm_card_visa', randomUUID(), resident);
    expect(paid.status).toBe(201);
    expect(
      (await f.api('sales', 'GET', `/api/payments/${paid.body.paymentId}`, { token: resident })).status,
    ).toBe(200);
  });

  if (mode === 'distributed') {
    it('answers 202 pending while the gateway errs or hangs, then finishes by itself with one charge', async () => {
      const customer = await f.newCustomer();
      const invoice = await f.postedInvoice(customer.id, '300.00');
      await f.faults({ errorRate: 1 });
      const started = Date.now();
      const pending = await f.pay(invoice.id);
      expect(pending.status).toBe(202);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(pending.body).toEqual({ paymentId: expect.any(String), status: 'pending' });
      expect(pending.headers.get('location')).toBe(`/api/payments/${pending.body.paymentId}`);
      const id: string = pending.body.paymentId;
      const chargeAttempts = async (): Promise<number> =>
        (await f.payment(id)).body.steps.find((s: { name: string }) => s.name === 'charge')?.attempts ?? 0;
      const erred = await waitFor('a retried charge', async () => {
        const n = await chargeAttempts();
        return n >= 2 ? n : undefined;
      });
      // Then it hangs (answers after the client gave up): an attempt begun under the hang ends
      // (the one after it has begun), and the outcome is still unknown, still pending.
      await f.faults({ latencyMs: 2_500 });
      await waitFor('an attempt that hung to end', async () => (await chargeAttempts()) >= erred + 2, 20_000);
      expect((await f.payment(id)).body.status).toBe('pending');
      await f.faults(null);
      await f.waitPayment(id, 'succeeded');
      expect(await f.charges(id)).toHaveLength(1);
      expect(
        (await f.api('sales', 'GET', `/api/invoices/${invoice.id}`, { token: f.admin })).body.status,
      ).toBe('paid');
      await waitFor('the balance', async () => (await f.balance(customer.id)) === '0.00');
    });

    it('refunds a charge whose invoice was voided while it hung, once, with no PaymentReceived', async () => {
      const customer = await f.newCustomer();
      const invoice = await f.postedInvoice(customer.id, '640.00');
      await f.faults({ latencyMs: 2_500 });
      const pending = await f.pay(invoice.id);
      expect(pending.status).toBe(202);
      const id: string = pending.body.paymentId;
      const voided = await f.api('sales', 'POST', `/api/invoices/${invoice.id}/void`, { token: f.admin });
      expect(voided.status).toBe(200);
      await f.faults(null);
      const refunded = await f.waitPayment(id, 'refunded');
      expect(refunded.steps.map((s: { name: string; phase: string }) => `${s.phase}:${s.name}`)).toEqual([
        'forward:validate',
        'forward:charge',
        'forward:record',
        'compensate:charge',
      ]);
      const charges = await f.charges(id);
      expect(charges).toHaveLength(1);
      expect(charges[0]!.refund).not.toBeNull();
      expect(await f.outboxPaymentsOf(id)).toBe(0);
      // Common reversed the invoice: Dr 4000 / Cr 1200, and the balance back to nothing.
      const journals = await waitFor('the void journal', async () => {
        const res = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${invoice.id}`, {
          token: f.admin,
        });
        return res.body.items.length === 2 ? res.body.items : undefined;
      });
      const reversal = journals.find((j: { postingKind: string }) => j.postingKind === 'invoice-void');
      expect(reversal.lines).toHaveLength(2);
      expect(reversal.lines).toEqual(
        expect.arrayContaining([
          { accountCode: '4000', debit: '640.00', credit: '0.00' },
          { accountCode: '1200', debit: '0.00', credit: '640.00' },
        ]),
      );
      await waitFor('the balance', async () => (await f.balance(customer.id)) === '0.00');
      expect(
        (await f.api('sales', 'POST', `/api/invoices/${invoice.id}/void`, { token: f.admin })).status,
      ).toBe(409);
    });
  }
});
