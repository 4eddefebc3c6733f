import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { platformMigrationSources, serviceMigrationSources } from '#platform/host/migration-sources.js';
import type { ServiceDeps } from '#platform/host/service-definition.js';
import { serviceHandlers } from '#platform/host/user-replica.js';
import { createConsumer } from '#platform/messaging/consumer.js';
import { ContractRegistry } from '#platform/messaging/contract.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { allContracts, CustomerCreated, InvoiceCreated, UserCreated } from '#contracts/index.js';
import { notificationService } from '#services/notification/index.js';
import { delivery } from '../messaging/fake-delivery.js';
import { serviceDatabases, type ServiceDatabases } from '../../harness/service-databases.js';

const organizationId = randomUUID();
const deps = {
  service: 'notification',
  env: {},
  log: pino({ level: 'silent' }),
  onStop: () => undefined,
} as unknown as ServiceDeps;

/**
 * A Notification database from before handlers were named `<service>.<feature>.<fact>`: its
 * inbox and dead letters carry the old names and its `user_replica` was its own (without the
 * default). After the upgrade's migrations the same messages delivered again run no handler.
 */
describe('upgrade: handler names renamed in the inbox and dead letters', () => {
  let databases: ServiceDatabases;
  let db: Db;
  const user = buildEnvelope(
    'common',
    UserCreated,
    {
      userId: randomUUID(),
      email: 'asha@old.example',
      name: 'Asha',
      roles: ['manager'],
    },
    { organizationId },
  );
  const customer = buildEnvelope(
    'common',
    CustomerCreated,
    {
      customerId: randomUUID(),
      name: 'Ravi',
      email: 'ravi@old.example',
      balance: '0.00',
    },
    { organizationId },
  );
  const invoice = buildEnvelope(
    'sales',
    InvoiceCreated,
    {
      invoiceId: randomUUID(),
      number: 'INV-203101-0001',
      customerId: customer.payload.customerId,
      customerName: 'Ravi',
      customerEmail: 'ravi@old.example',
      amount: '1200.00',
      dueDate: '2031-01-31',
      issueDate: '2031-01-01',
    },
    { organizationId },
  );

  beforeAll(async () => {
    databases = serviceDatabases();
    db = await databases.open('notification');
    const own = notificationService.migrations!.filter((m) => m.version === 1);
    await runMigrations(db, [...platformMigrationSources, { name: 'notification', migrations: own }]);
    // What the old 0001 migration created itself.
    await db.exec(`CREATE TABLE user_replica (
      id uuid PRIMARY KEY, organization_id uuid NOT NULL, email text NOT NULL, name text NOT NULL,
      roles text[] NOT NULL DEFAULT '{}', updated_at timestamptz NOT NULL)`);
    await db.query(
      `INSERT INTO inbox (message_id, handler) VALUES ($1, 'notification.replica.user'),
      ($2, 'notification.replica.customer-created'), ($3, 'notification.mail.invoice-created')`,
      [user.messageId, customer.messageId, invoice.messageId],
    );
    const reason = 'handler notification.mail.payslip failed 4 times: no one to mail';
    await db.query(
      `INSERT INTO dead_letter (message_id, type, original_queue, category, reason, attempts, body, headers,
         dead_lettered_at) VALUES ($1, 'payroll.salary-posted', 'notification.events', 'handler-failed', $2, 4,
         '{}', $3::jsonb, now())`,
      [randomUUID(), reason, JSON.stringify({ 'x-dead-letter-reason': reason })],
    );
    await runMigrations(db, serviceMigrationSources(notificationService));
  }, 60_000);
  afterAll(() => databases?.close());

  it('carries the inbox rows and dead-letter reasons over to the new names', async () => {
    const { rows } = await db.query<{ handler: string }>('SELECT handler FROM inbox ORDER BY handler');
    expect(rows.map((r) => r.handler)).toEqual([
      'notification.invoices.invoice-created',
      'notification.replicas.customer-created',
      'notification.users.user-created',
    ]);
    const dead = await db.query<{ reason: string; header: string }>(
      `SELECT reason, headers ->> 'x-dead-letter-reason' AS header FROM dead_letter`,
    );
    expect(dead.rows).toEqual([
      {
        reason: 'handler notification.payslips.salary-posted failed 4 times: no one to mail',
        header: 'handler notification.payslips.salary-posted failed 4 times: no one to mail',
      },
    ]);
  });

  it('runs no handler again for a message delivered again, and runs them for a new one', async () => {
    const ran: string[] = [];
    const handlers = serviceHandlers(notificationService, deps).map((h) => ({
      ...h,
      handle: async (m: never, tx: never) => {
        ran.push(h.name);
        await h.handle(m, tx);
      },
    }));
    const consume = createConsumer({
      service: 'notification',
      db,
      registry: new ContractRegistry(allContracts),
      handlers,
      retryDelaysMs: [10],
      batchSize: 1,
    });
    for (const envelope of [user, customer, invoice]) {
      const { d, settled } = delivery(JSON.stringify(envelope), { redelivered: true });
      await consume(d);
      expect(settled.map((s) => s.how)).toEqual(['ack']);
    }
    expect(ran).toEqual([]);
    const mails = await db.query('SELECT 1 FROM outgoing_email');
    expect(mails.rows).toHaveLength(0);

    // A user never seen before is replicated: the handler works, and the table took the default.
    const newcomer = buildEnvelope(
      'common',
      UserCreated,
      {
        userId: randomUUID(),
        email: 'meera@new.example',
        name: 'Meera',
        roles: ['cfo'],
      },
      { organizationId },
    );
    const { d } = delivery(JSON.stringify(newcomer));
    await consume(d);
    expect(ran).toEqual(['notification.users.user-created']);
    const replica = await db.query<{ email: string }>('SELECT email FROM user_replica');
    expect(replica.rows).toEqual([{ email: 'meera@new.example' }]);
    // The platform's migration gave the old table its default: a row without a time goes in.
    await db.query(
      `INSERT INTO user_replica (id, organization_id, email, name) VALUES ($1, $2, 'x@y.example', 'X')`,
      [randomUUID(), organizationId],
    );
  });
});
