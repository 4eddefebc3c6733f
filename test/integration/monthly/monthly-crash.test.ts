import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentPeriod } from '#services/sales/runs/period.js';
import { apiOf } from '../../support/api.js';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { populate } from '../../support/residents.js';
import { dbOf, startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { startSmtpSink, type SmtpSink } from '../invoice-flow/smtp-sink.js';
import { signUpOrganization, sinkReader } from '../../support/sign-up.js';

const RESIDENTS = 5_000;

/**
 * Sales as a process of its own (on the test's PostgreSQL and RabbitMQ), SIGKILLed in the middle
 * of a 5,000-resident run and started again: the run resumes where its last page committed, and
 * every resident ends with exactly one invoice, one journal in Common, one mail, and no reminder
 * job (the daily sweep decides reminders).
 */
describe('monthly run across a SIGKILL of Sales', () => {
  let system: TestSystem;
  let sink: SmtpSink;
  let child: Launched | undefined;
  /** Sales' database, read beside the child process that owns it. */
  let salesDb: pg.Pool;

  beforeAll(async () => {
    sink = await startSmtpSink();
    system = await startTestSystem({
      mode: 'distributed',
      only: ['common', 'community', 'sales', 'notification'],
      env: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(sink.port), SMTP_POOL_SIZE: '8' },
    });
    const url = new URL(system.env.DATABASE_URL!);
    url.pathname = `/${system.env.DATABASE_PREFIX}_sales`;
    salesDb = new pg.Pool({ connectionString: url.toString(), max: 2 });
  });
  afterAll(async () => {
    if (child) await terminate(child);
    await salesDb?.end();
    await system?.stop();
    await sink?.close();
  });

  /** Sales as a child process on the in-process Sales' port and database. */
  const salesProcess = async (): Promise<Launched> => {
    const index = system.services.findIndex((s) => s.name === 'sales');
    const running = system.services[index]!;
    if (running.db) {
      await running.stop();
      system.services[index] = { ...running, db: null, stop: async () => undefined };
    }
    const proc = launch('bin/service.ts', ['sales'], {
      ...system.env,
      SALES_PORT: String(running.port),
      COMMON_URL: system.url('common'),
      COMMUNITY_URL: system.url('community'),
      NOTIFICATION_URL: system.url('notification'),
      // A dead process's run and outbox are taken over within seconds (the defaults are a minute and 30 s).
      INVOICE_RUN_LEASE_MS: '2000',
      OUTBOX_LEASE_MS: '2000',
      // Smaller pages: more commits, so the kill lands well inside the run.
      INVOICE_RUN_PAGE_SIZE: '250',
    });
    await waitReady(system.url('sales'), proc);
    return proc;
  };

  it('leaves every resident with one invoice, one journal, one mail and no reminder job', async () => {
    const api = apiOf(system);
    const email = 'admin@crash-society.example';
    const signUp = await signUpOrganization(
      system,
      {
        name: 'Crash Test Society',
        companyName: 'Crash Test Maintenance',
        admin: { email, name: 'Crash Admin', password: 'crash-secret-1' },
      },
      sinkReader(sink),
    );
    const org: string = signUp.organizationId;
    const [common, community] = [dbOf(system, 'common'), dbOf(system, 'community')];
    await populate(
      { common, community },
      { organizationId: org, companyId: signUp.companyId, tag: 'crash' },
      RESIDENTS,
    );
    const admin = await system.login(email, 'crash-secret-1');
    child = await salesProcess();

    const [y, m] = currentPeriod('Asia/Kolkata').split('-').map(Number) as [number, number];
    const period = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
    const started = await api('sales', 'POST', '/api/invoice-runs', { token: admin, body: { period } });
    expect(started.status).toBe(202);
    const created = async () =>
      (
        await salesDb.query<{ created: number }>('SELECT created FROM invoice_run WHERE id = $1', [
          started.body.id,
        ])
      ).rows[0]!.created;
    // The limits are for a machine loaded by other work (posting and mailing 5,000 then take minutes).
    await waitFor('a fifth of the run committed', async () => (await created()) >= RESIDENTS / 5, 90_000, 10);
    child.child.kill('SIGKILL');
    expect(await child.exited).toBeNull(); // killed by the signal
    const atKill = await created();
    expect(atKill).toBeLessThan(RESIDENTS);

    child = await salesProcess();
    const run = await waitFor(
      'the run to finish after the restart',
      async () => {
        const res = await api('sales', 'GET', `/api/invoice-runs/${started.body.id}`, { token: admin });
        return res.body.status !== 'running' ? res.body : undefined;
      },
      120_000,
    );
    expect(run).toMatchObject({ status: 'completed', residents: RESIDENTS, created: RESIDENTS, failed: 0 });

    const invoices = await salesDb.query<{ n: number; customers: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT customer_id)::int AS customers FROM invoice WHERE organization_id = $1`,
      [org],
    );
    expect(invoices.rows[0]).toEqual({ n: RESIDENTS, customers: RESIDENTS });
    // No job per invoice: the daily sweep decides reminders.
    const perInvoice = await salesDb.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pgboss_sales.job WHERE data ? 'invoiceId'`,
    );
    expect(perInvoice.rows[0]!.n).toBe(0);

    const journals = async () =>
      (
        await common.query<{ n: number; documents: number }>(
          `SELECT count(*)::int AS n, count(DISTINCT reference_id)::int AS documents FROM journal
            WHERE organization_id = $1 AND reference_type = 'invoice'`,
          [org],
        )
      ).rows[0]!;
    await waitFor(
      'every invoice posted',
      async () => (await journals()).documents === RESIDENTS,
      300_000,
      200,
    );
    expect(await journals()).toEqual({ n: RESIDENTS, documents: RESIDENTS });

    const mailed = () => {
      const invoiceMails = sink.mails.filter(
        (mail) =>
          mail.headers['x-dhanman-template'] === 'invoice-created' &&
          mail.envelopeTo.some((to) => to.endsWith('@residents.example')),
      );
      return {
        n: invoiceMails.length,
        recipients: new Set(invoiceMails.flatMap((mail) => mail.envelopeTo)).size,
      };
    };
    await waitFor('every resident mailed', () => mailed().recipients === RESIDENTS, 300_000, 200);
    // Every copy of an event the killed process may have relayed twice has been handled by now.
    await waitFor(
      'Sales outbox drained',
      async () =>
        (await salesDb.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE sent_at IS NULL'))
          .rows[0]!.n === 0,
    );
    expect(mailed()).toEqual({ n: RESIDENTS, recipients: RESIDENTS });
  }, 900_000);
});
