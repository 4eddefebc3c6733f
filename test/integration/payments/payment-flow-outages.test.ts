import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';
import { stopCommon } from '../common/restart.js';
import { PaymentSystem } from './payment-fixture.js';

type Step = { name: string; status: string; attempts: number; note: string | null };

/**
 * A payment while a party it talks to is away, on RabbitMQ + PostgreSQL: Common (the balance
 * endpoint) stopped, and the gateway killed after booking a charge whose answer never reached
 * Sales, then started again on its charge book.
 */
describe('payment flow with a party away', () => {
  const f = PaymentSystem.forTests('distributed');
  let gateway: Launched | undefined;

  /** The gateway as a process of its own on the in-process one's port and charge book. */
  const gatewayProcess = async (): Promise<Launched> => {
    const index = f.system.services.findIndex((s) => s.name === 'gateway');
    const running = f.system.services[index]!;
    if (!gateway) {
      await running.stop();
      f.system.services[index] = { ...running, stop: async () => undefined };
    }
    const proc = launch('bin/service.ts', ['gateway'], {
      ...f.system.env,
      GATEWAY_PORT: String(running.port),
      // Operators' tokens (the test's view of the book) are checked against Common's keys.
      COMMON_URL: f.system.url('common'),
    });
    await waitReady(f.system.url('gateway'), proc);
    return proc;
  };
  beforeAll(async () => {
    gateway = await gatewayProcess();
  });
  afterAll(async () => {
    if (gateway) await terminate(gateway, 'SIGKILL');
  });

  const paymentOf = (invoiceId: string) =>
    waitFor('the payment row', async () => {
      const r = await f.api('sales', 'GET', `/api/payments?invoiceId=${invoiceId}`, { token: f.admin });
      return r.body.items[0]?.id as string | undefined;
    });

  it('succeeds while Common is down, and the balance moves once when Common is back', async () => {
    const customer = await f.newCustomer();
    const invoice = await f.postedInvoice(customer.id, '880.00');
    expect(await f.balance(customer.id)).toBe('880.00');
    const startCommon = await stopCommon(f.system);
    let id = '';
    try {
      const paid = await f.pay(invoice.id);
      expect(paid.status).toBe(201);
      expect(paid.body.status).toBe('succeeded');
      id = paid.body.paymentId;
      // The saga tried Common, could not move the balance, and finished anyway.
      const done = await f.waitPayment(id, 'succeeded');
      const balanceStep = await waitFor('the balance step', async () => {
        const steps: Step[] = (await f.payment(id)).body.steps;
        return steps.find((s) => s.name === 'update-balance' && s.status === 'done');
      });
      expect(balanceStep.note).toMatch(/^Common (unreachable|answered)/);
      expect(done.transactionId).toMatch(/^txn_/);
    } finally {
      await startCommon();
    }
    // The book is an operator's to read, and an operator's token is checked with Common's keys.
    expect(await f.charges(id)).toHaveLength(1);
    // PaymentReceived waited in Common's queue: it posts the journal and moves the balance, once.
    await waitFor('the balance back', async () => (await f.balance(customer.id)) === '0.00', 30_000);
    const moves = await f.count(
      'common',
      'SELECT count(*) AS n FROM customer_balance_change WHERE customer_id = $1 AND reference = $2',
      [customer.id, `payment:${id}`],
    );
    expect(moves).toBe(1);
    const journals = await waitFor('the journal', async () => {
      const res = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${id}`, {
        token: f.admin,
      });
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(journals).toHaveLength(1);
    await waitFor('the receipt', () => f.receipts(customer.email).length > 0);
    expect(f.receipts(customer.email)).toHaveLength(1);
    expect(await f.balance(customer.id)).toBe('0.00');
  });

  // Starting a process takes seconds, many on a loaded machine.
  it(
    'charges once when the gateway restarts between a charge and its retry',
    { timeout: 120_000 },
    async () => {
      const customer = await f.newCustomer();
      const invoice = await f.postedInvoice(customer.id, '415.00');
      // The gateway books the charge, then its answer never leaves.
      expect((await f.faults({ lostAnswerRate: 1 })).status).toBe(200);
      const paying = f.pay(invoice.id);
      const id = await paymentOf(invoice.id);
      const booked = await waitFor('the charge in the book', async () => {
        const charges = await f.charges(id);
        return charges.length > 0 ? charges : undefined;
      });
      expect(booked).toHaveLength(1);
      expect(await terminate(gateway!, 'SIGKILL')).toBeNull();
      const answered = await paying;
      expect(answered.status).toBe(202);
      const meanwhile = await f.payment(id);
      expect(meanwhile.body).toMatchObject({ status: 'pending', transactionId: null });

      // Started again on the same book (and without the fault): the saga's retry finds the charge.
      gateway = await gatewayProcess();
      const paid = await f.waitPayment(id, 'succeeded', 30_000);
      const charges = await f.charges(id);
      expect(charges).toHaveLength(1);
      expect(charges[0]!.transactionId).toBe(booked[0]!.transactionId);
      expect(paid.transactionId).toBe(charges[0]!.transactionId);
      const charge = (paid.steps as Step[]).find((s) => s.name === 'charge')!;
      expect(charge.attempts).toBeGreaterThanOrEqual(2);
      expect(
        (await f.api('sales', 'GET', `/api/invoices/${invoice.id}`, { token: f.admin })).body.status,
      ).toBe('paid');
      await waitFor('the receipt', () => f.receipts(customer.email).length > 0);
      await waitFor('the balance back', async () => (await f.balance(customer.id)) === '0.00');
      expect(f.receipts(customer.email)).toHaveLength(1);
    },
  );
});
