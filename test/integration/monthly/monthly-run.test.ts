import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService } from '#platform/host/start-service.js';
import { nextRunAt, zonedDate } from '#platform/jobs/next-run.js';
import { DEMO_ORGANIZATION, DEMO_RESIDENTS } from '#contracts/demo.js';
import { communityService } from '#services/community/index.js';
import { currentPeriod } from '#services/sales/runs/period.js';
import { systemStartOptions } from '../../../bin/system.js';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { startSmtpSink, type SmtpSink } from '../invoice-flow/smtp-sink.js';

/**
 * The seed's scenario 1 end to end: the monthly run reads Community's active residents, invoices
 * each once (Common posts, Notification mails) with no job per invoice; re-runs skip; an unknown
 * customer is one failure; job operations drive the schedules (the run's, the reminder sweep's).
 */
const CASES: Array<{ name: string; mode: Mode }> = [
  { name: 'RabbitMQ + PostgreSQL', mode: 'distributed' },
  { name: 'embedded', mode: 'embedded' },
];

const ZONE = 'Asia/Kolkata';
const next = (() => {
  const [y, m] = currentPeriod(ZONE).split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
})();

describe.each(CASES)('monthly invoice run on $name', ({ mode }) => {
  let system: TestSystem;
  let sink: SmtpSink;
  let api: ReturnType<typeof apiOf>;
  let admin = '';
  const stranger = { residentId: randomUUID(), customerId: randomUUID() };

  beforeAll(async () => {
    sink = await startSmtpSink();
    system = await startTestSystem({
      mode,
      only: ['common', 'community', 'sales', 'notification'],
      env: {
        HTTP_TIMEOUT_MS: '10000',
        // A run waits this long for Community before it fails (the default is minutes).
        INVOICE_RUN_PATIENCE_MS: '10000',
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
      },
    });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
    // A resident whose customer Common has never heard of.
    await dbOf(system, 'community').query(
      `INSERT INTO resident (id, organization_id, company_id, unit_id, customer_id, name, email, monthly_charges)
       SELECT $1, organization_id, company_id, id, $2, 'Nobody Known', 'nobody@residents.example', 1000 FROM unit LIMIT 1`,
      [stranger.residentId, stranger.customerId],
    );
  });
  afterAll(async () => {
    await system?.stop();
    await sink?.close();
  });

  const run = async (period: string) => {
    const started = await api('sales', 'POST', '/api/invoice-runs', { token: admin, body: { period } });
    expect(started.status).toBe(202);
    return waitFor(
      `the run of ${period}`,
      async () => {
        const res = await api('sales', 'GET', `/api/invoice-runs/${started.body.id}`, { token: admin });
        return res.body.status !== 'running' ? res.body : undefined;
      },
      60_000,
    );
  };
  const mails = (to: string, template: string) =>
    sink.mails.filter((m) => m.envelopeTo.includes(to) && m.headers['x-dhanman-template'] === template);
  const sweepName = `payment-reminder-sweep.${DEMO_ORGANIZATION.id}`;
  const recurringJob = async (name: string) =>
    (await api('sales', 'GET', '/api/ops/jobs/recurring', { token: admin })).body.items.find(
      (r: { name: string }) => r.name === name,
    ) as {
      cron: string;
      timezone: string;
      nextRunAt: string;
      lastRunAt: string | null;
      lastState: string | null;
    };
  /** Runs the sweep now and waits for its job to complete. */
  const sweepNow = async () => {
    const fired = await api('sales', 'POST', `/api/ops/jobs/recurring/${sweepName}/trigger`, {
      token: admin,
    });
    expect(fired.status).toBe(202);
    return waitFor(`sweep job ${fired.body.jobId} completed`, async () => {
      const res = await api('sales', 'GET', `/api/ops/jobs/${fired.body.jobId}`, { token: admin });
      return res.body.state === 'completed' ? res.body : undefined;
    });
  };

  it('invoices every active resident once: posted, mailed, no reminder job per invoice; a re-run skips them all', async () => {
    const first = await run(next);
    expect(first).toMatchObject({
      period: next,
      status: 'completed',
      residents: DEMO_RESIDENTS.length + 1,
      created: DEMO_RESIDENTS.length,
      skipped: 0,
      failed: 1,
      failures: [
        { residentId: stranger.residentId, reason: `customer ${stranger.customerId} is not known to Common` },
      ],
    });
    const sales = dbOf(system, 'sales');
    const { rows: invoices } = await sales.query<{ id: string; customer_email: string; due_date: string }>(
      `SELECT i.id, i.customer_email, to_char(i.due_date, 'YYYY-MM-DD') AS due_date FROM invoice i
        JOIN invoice_run_item r ON r.invoice_id = i.id WHERE r.run_id = $1`,
      [first.id],
    );
    expect(invoices).toHaveLength(DEMO_RESIDENTS.length);
    expect(new Set(invoices.map((i) => i.due_date))).toEqual(new Set([`${next}-15`]));
    await waitFor(
      'every invoice posted by Common',
      async () =>
        (
          await sales.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM invoice WHERE id = ANY($1::uuid[]) AND journal_id IS NOT NULL`,
            [invoices.map((i) => i.id)],
          )
        ).rows[0]!.n === invoices.length,
      30_000,
    );
    await waitFor(
      'every invoice mailed',
      () => DEMO_RESIDENTS.every((r) => mails(r.email, 'invoice-created').length === 1),
      30_000,
    );
    // Reminders: no job per invoice, one daily sweep per organization at 09:00 its time.
    const perInvoice = await sales.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss_sales.job WHERE data ? 'invoiceId'`,
    );
    expect(perInvoice.rows[0]!.n).toBe(0);
    const sweep = await recurringJob(sweepName);
    expect(sweep).toMatchObject({ cron: '0 9 * * *', timezone: ZONE });
    expect(sweep.nextRunAt).toBe(nextRunAt('0 9 * * *', ZONE, new Date()).toISOString());

    const again = await run(next);
    expect(again).toMatchObject({
      status: 'completed',
      created: 0,
      skipped: DEMO_RESIDENTS.length,
      failed: 1,
    });
    const count = await sales.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM invoice_run_item WHERE period = $1`,
      [next],
    );
    expect(count.rows[0]!.n).toBe(DEMO_RESIDENTS.length);
  });

  it('the reminder sweep run now mails what is due, once however often it runs; a paid invoice gets none', async () => {
    const sales = dbOf(system, 'sales');
    const customer = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Reminded Resident', email: `reminded-${randomUUID().slice(0, 8)}@residents.example` },
    });
    expect(customer.status).toBe(201);
    // Due the day after tomorrow in the organization's calendar: inside the sweep's three days.
    const due = new Date(`${zonedDate(new Date(), ZONE)}T00:00:00Z`);
    due.setUTCDate(due.getUTCDate() + 2);
    const invoice = async () => {
      const res = await api('sales', 'POST', '/api/invoices', {
        token: admin,
        body: { customerId: customer.body.id, amount: '450.00', dueDate: due.toISOString().slice(0, 10) },
        headers: { 'idempotency-key': randomUUID() },
      });
      expect(res.status).toBe(201);
      return res.body as { id: string; number: string };
    };
    const [reminded, paid] = [await invoice(), await invoice()];
    await sales.query(`UPDATE invoice SET status = 'paid' WHERE id = $1`, [paid.id]);
    const to = customer.body.email as string;
    const remindersOf = (number: string) =>
      mails(to, 'payment-reminder').filter((m) => m.subject.includes(number));

    await sweepNow();
    await waitFor('the reminder mail', () => remindersOf(reminded.number).length === 1, 30_000);
    await sweepNow();
    // The second sweep wrote no command: one SendPaymentReminder ever, for the invoice still issued.
    const commands = await sales.query<{ invoice_id: string }>(
      `SELECT body::jsonb #>> '{payload,invoiceId}' AS invoice_id FROM outbox
        WHERE type = 'notification.send-payment-reminder' AND body::jsonb #>> '{payload,invoiceId}' = ANY($1)`,
      [[reminded.id, paid.id]],
    );
    expect(commands.rows).toEqual([{ invoice_id: reminded.id }]);
    expect(remindersOf(reminded.number)).toHaveLength(1);
    expect(remindersOf(paid.number)).toHaveLength(0);
    const claims = await sales.query<{ invoice_id: string }>(
      'SELECT invoice_id FROM payment_reminder WHERE invoice_id = ANY($1::uuid[])',
      [[reminded.id, paid.id]],
    );
    expect(claims.rows).toEqual([{ invoice_id: reminded.id }]);
  });

  it('lists the monthly run per organization with its next run; trigger now starts a run', async () => {
    const list = await api('sales', 'GET', '/api/ops/jobs/recurring', { token: admin });
    const name = `monthly-invoice-run.${DEMO_ORGANIZATION.id}`;
    const monthly = list.body.items.find((r: { name: string }) => r.name === name);
    expect(monthly).toMatchObject({ cron: '0 6 1 * *', timezone: ZONE });
    expect(monthly.nextRunAt).toBe(nextRunAt('0 6 1 * *', ZONE, new Date()).toISOString());
    expect(monthly.nextRunAt).toBe(`${next}-01T00:30:00.000Z`);

    const fired = await api('sales', 'POST', `/api/ops/jobs/recurring/${name}/trigger`, { token: admin });
    expect(fired.status).toBe(202);
    const current = currentPeriod(ZONE);
    const started = await waitFor(
      'the triggered run',
      async () => {
        const res = await api('sales', 'GET', `/api/invoice-runs?period=${current}`, { token: admin });
        return res.body.items.find((r: { status: string }) => r.status === 'completed');
      },
      60_000,
    );
    expect(started).toMatchObject({ created: DEMO_RESIDENTS.length, failed: 1 });
    const after = await api('sales', 'GET', '/api/ops/jobs/recurring', { token: admin });
    expect(after.body.items.find((r: { name: string }) => r.name === name)).toMatchObject({
      lastState: 'completed',
      nextRunAt: monthly.nextRunAt,
    });
  });

  it('refuses bad input with a 4xx and changes nothing', async () => {
    const sales = dbOf(system, 'sales');
    const runs = async () =>
      (await sales.query<{ n: number }>('SELECT count(*)::int AS n FROM invoice_run')).rows[0]!.n;
    const before = await runs();
    const post = (body: unknown) => api('sales', 'POST', '/api/invoice-runs', { token: admin, body });
    expect((await post({ period: '2026-13' })).status).toBe(400);
    expect((await post({ period: 'next month' })).status).toBe(400);
    expect((await post({})).status).toBe(400);
    expect((await post({ period: '2199-01' })).status).toBe(422);
    expect((await post({ period: '1999-01' })).status).toBe(422);
    expect(
      (await api('sales', 'POST', `/api/ops/jobs/${randomUUID()}/run-now`, { token: admin })).status,
    ).toBe(404);
    expect((await api('sales', 'POST', '/api/ops/jobs/not-a-job/cancel', { token: admin })).status).toBe(404);
    expect((await api('sales', 'GET', '/api/ops/jobs?state=bogus', { token: admin })).status).toBe(400);
    expect(
      (await api('sales', 'POST', '/api/ops/jobs/recurring/nope/trigger', { token: admin })).status,
    ).toBe(404);
    expect((await api('sales', 'GET', `/api/invoice-runs/${randomUUID()}`, { token: admin })).status).toBe(
      404,
    );
    expect(await runs()).toBe(before);
  });

  // Only where Community is a server of its own to stop: the embedded case registers no test
  // (rather than a skipped one).
  const distributedOnly = mode === 'distributed' ? it : () => undefined;
  const monthsBack = (n: number) => {
    const [y, m] = currentPeriod(ZONE).split('-').map(Number) as [number, number];
    const i = y * 12 + m - 1 - n;
    return `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
  };
  const stopCommunity = async () => {
    const index = system.services.findIndex((s) => s.name === 'community');
    const community = system.services[index]!;
    await community.stop();
    return async () => {
      system.services[index] = await startService(communityService, {
        // It verifies tokens with Common's keys, found where Common runs.
        ...systemStartOptions(system.runtime, { ...system.env, COMMON_URL: system.url('common') }),
        port: community.port,
      });
    };
  };

  distributedOnly(
    'Community away for a moment: the run says what it waits for and completes by itself',
    async () => {
      const restart = await stopCommunity();
      const period = monthsBack(2);
      const started = await api('sales', 'POST', '/api/invoice-runs', { token: admin, body: { period } });
      expect(started.status).toBe(202);
      const waiting = await waitFor('the run waiting for Community', async () => {
        const res = await api('sales', 'GET', `/api/invoice-runs/${started.body.id}`, { token: admin });
        return res.body.reason ? res.body : undefined;
      });
      expect(waiting).toMatchObject({ status: 'running', created: 0 });
      expect(waiting.reason).toMatch(/^waiting for community/);
      await restart();
      const done = await waitFor(
        'the run to complete',
        async () => {
          const res = await api('sales', 'GET', `/api/invoice-runs/${started.body.id}`, { token: admin });
          return res.body.status !== 'running' ? res.body : undefined;
        },
        30_000,
      );
      expect(done).toMatchObject({
        status: 'completed',
        created: DEMO_RESIDENTS.length,
        failed: 1,
        reason: null,
      });
    },
  );

  distributedOnly(
    'Community down past the patience: the run fails with the reason; a later run completes',
    async () => {
      const restart = await stopCommunity();
      const period = monthsBack(1);
      const failed = await run(period);
      expect(failed.status).toBe('failed');
      expect(failed.reason).toMatch(/community/);
      expect(failed.reason).toMatch(/after waiting 10 s/);
      await restart();
      // The client's breaker may still be open for a moment: the operator starts the run again until it goes through.
      const later = await waitFor(
        'a later run to complete',
        async () => {
          const r = await run(period);
          return r.status === 'completed' ? r : undefined;
        },
        30_000,
        200,
      );
      expect(later).toMatchObject({ status: 'completed', created: DEMO_RESIDENTS.length, failed: 1 });
    },
  );
});
