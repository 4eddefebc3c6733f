import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';
import { PaymentSystem } from './payment-fixture.js';

/**
 * Sales as a process of its own (on the test's PostgreSQL and RabbitMQ), killed with SIGKILL right
 * after a saga step ran and before its outcome was recorded (the test hook SAGA_TEST_CRASH_AFTER),
 * then started again: the saga resumes and the payment is made exactly once.
 */
describe('payment saga across a SIGKILL of Sales', () => {
  const f = PaymentSystem.forTests('distributed');
  let child: Launched | undefined;
  afterAll(async () => {
    if (child) await terminate(child);
  });

  /** Replaces the in-process Sales by a child process on the same port (once per test file). */
  const salesProcess = async (crashAfter?: string): Promise<Launched> => {
    const index = f.system.services.findIndex((s) => s.name === 'sales');
    const running = f.system.services[index]!;
    if (running.db) {
      await running.stop();
      f.system.services[index] = { ...running, db: null, stop: async () => undefined };
    }
    const env = {
      ...f.system.env,
      SALES_PORT: String(running.port),
      COMMON_URL: f.system.url('common'),
      GATEWAY_URL: f.system.url('gateway'),
      NOTIFICATION_URL: f.system.url('notification'),
      SAGA_TEST_CRASH_AFTER: crashAfter,
    };
    const proc = launch('bin/service.ts', ['sales'], env);
    await waitReady(f.system.url('sales'), proc);
    return proc;
  };

  it.each(['payment.charge', 'payment.record'])(
    'completes once after a kill right after %s',
    async (step) => {
      child ??= await salesProcess();
      const customer = await f.newCustomer();
      const invoice = await f.postedInvoice(customer.id, '410.00');
      await terminate(child);
      child = await salesProcess(step);
      const attempt = await f.pay(invoice.id, 'pm_card_visa', randomUUID()).catch((err: unknown) => err);
      expect(attempt).toBeInstanceOf(Error); // the process died under the request
      expect(await child.exited).toBeNull(); // killed by a signal
      child = await salesProcess();

      const paymentId = await waitFor('the payment row', async () => {
        const r = await f.api('sales', 'GET', `/api/payments?invoiceId=${invoice.id}`, { token: f.admin });
        return r.body.items[0]?.id as string | undefined;
      });
      const payment = await f.waitPayment(paymentId, 'succeeded', 30_000);
      const charge = payment.steps.find((s: { name: string }) => s.name === 'charge');
      expect(charge.attempts).toBe(step === 'payment.charge' ? 2 : 1);
      expect(await f.charges(paymentId)).toHaveLength(1);
      const payments = await f.api('sales', 'GET', `/api/payments?invoiceId=${invoice.id}`, {
        token: f.admin,
      });
      expect(payments.body.items).toHaveLength(1);
      // The killed process held the outbox relay's lease: the new one relays once it runs out.
      await waitFor('the receipt', () => f.receipts(customer.email).length > 0, 90_000);
      const journals = await waitFor('the journal', async () => {
        const res = await f.api('common', 'GET', `/api/ledger/journals?referenceId=${paymentId}`, {
          token: f.admin,
        });
        return res.body.items.length > 0 ? res.body.items : undefined;
      });
      expect(journals).toHaveLength(1);
      await waitFor('the balance back', async () => (await f.balance(customer.id)) === '0.00');
      expect(f.receipts(customer.email)).toHaveLength(1);
    },
  );
});
