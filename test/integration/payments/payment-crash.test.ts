import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';
import { PaymentSystem } from './payment-fixture.js';

/**
 * Sales as a process of its own (on the test's PostgreSQL and RabbitMQ), killed with SIGKILL from
 * outside right after a saga step ran and before its outcome was recorded, then started again: the
 * saga resumes and the payment is made exactly once. The moment is made by locks the test holds
 * in Sales' database: the saga's row, so the step's outcome waits to be written, and for `record`
 * the invoice's row too, so the step waits to begin its effect until the saga's row is held.
 */
describe('payment saga across a SIGKILL of Sales', () => {
  const f = PaymentSystem.forTests('distributed');
  let child: Launched | undefined;
  /** Sales' database, beside the child process that owns it. */
  let salesDb: pg.Pool;
  beforeAll(() => {
    const url = new URL(f.system.env.DATABASE_URL!);
    url.pathname = `/${f.system.env.DATABASE_PREFIX}_sales`;
    salesDb = new pg.Pool({ connectionString: url.toString(), max: 3 });
  });
  /** Rows the test holds (released by the test, or here when it failed first). */
  const held: Array<{ pid: number; release: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const h of held.splice(0)) await h.release();
    if (child) await terminate(child);
    await salesDb?.end();
  });

  /** Replaces the in-process Sales by a child process on the same port (once per test file). */
  const salesProcess = async (): Promise<Launched> => {
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
    };
    const proc = launch('bin/service.ts', ['sales'], env);
    await waitReady(f.system.url('sales'), proc);
    return proc;
  };

  /** Holds a row of Sales' database in a transaction of its own until `release`. */
  const holdRow = async (table: 'saga_instance' | 'invoice', id: string) => {
    const client = await salesDb.connect();
    await client.query('BEGIN');
    await client.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
    let open = true;
    const row = {
      pid: (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
      release: async () => {
        if (!open) return;
        open = false;
        await client.query('ROLLBACK');
        client.release();
      },
    };
    held.push(row);
    return row;
  };

  /** A statement of Sales (matching `like`) waiting on a lock the test holds. */
  const waitingOnLock = (what: string, like: string) =>
    waitFor(what, async () => {
      const { rows } = await salesDb.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
        [like],
      );
      return rows.length > 0;
    });

  /**
   * What a kill leaves on the server: the dead process's statement still waiting is cut off with
   * its connection (the statement was never written through, as if the kill came before it).
   */
  const dropConnectionsBut = async (keep: number[]) => {
    await salesDb.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND NOT (pid = ANY($1::int[]))`,
      [keep],
    );
  };

  it.each(['charge', 'record'] as const)(
    'completes once after a kill right after %s ran',
    async (step) => {
      child ??= await salesProcess();
      const customer = await f.newCustomer();
      const invoice = await f.postedInvoice(customer.id, '410.00');
      // A slow charge: the window in which the test takes its locks.
      await f.faults({ latencyMs: 1_500 });
      const attempt = f.pay(invoice.id, 'pm_card_visa', randomUUID()).catch((err: unknown) => err);
      const paymentId = await waitFor('the payment row', async () => {
        const r = await f.api('sales', 'GET', `/api/payments?invoiceId=${invoice.id}`, { token: f.admin });
        return r.body.items[0]?.id as string | undefined;
      });
      if (step === 'record') {
        // Holding the invoice stops `record` at its first statement, after the charge's outcome was
        // written; the saga's row is taken then, and `record` let go to commit its effect.
        const invoiceHeld = await holdRow('invoice', invoice.id);
        await waitingOnLock('record to wait on the invoice', '%FOR UPDATE OF invoice%');
        await holdRow('saga_instance', paymentId);
        await invoiceHeld.release();
      } else await holdRow('saga_instance', paymentId);
      await waitingOnLock('the step outcome to wait on the saga row', '%UPDATE saga_step%');
      // The step's effect is there: the charge booked, or the payment recorded.
      if (step === 'charge') expect(await f.charges(paymentId)).toHaveLength(1);
      else {
        const paid = await salesDb.query(`SELECT status FROM payment WHERE id = $1`, [paymentId]);
        expect(paid.rows[0]?.status).toBe('succeeded');
      }
      child.child.kill('SIGKILL');
      expect(await child.exited).toBeNull(); // killed by the signal
      await attempt; // answered "pending" before the kill, or cut off by it
      await dropConnectionsBut(held.map((h) => h.pid));
      for (const h of held.splice(0)) await h.release();
      await f.faults(null);
      child = await salesProcess();

      const payment = await f.waitPayment(paymentId, 'succeeded', 30_000);
      const attempts = (name: string) =>
        payment.steps.find((s: { name: string }) => s.name === name)?.attempts as number;
      expect([attempts('charge'), attempts('record')]).toEqual(step === 'charge' ? [2, 1] : [1, 2]);
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
    // Two starts of Sales, and the dead process's relay lease to run out before the receipt.
    150_000,
  );
});
