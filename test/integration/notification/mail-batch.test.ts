import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerCreated } from '#contracts/common.js';
import { InvoiceCreated } from '#contracts/sales.js';
import type { Db, Tx } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { serviceMigrationSources } from '#platform/host/migration-sources.js';
import { createConsumer } from '#platform/messaging/consumer.js';
import { ContractRegistry } from '#platform/messaging/contract.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { notificationService } from '#services/notification/index.js';
import { invoiceMailHandlers } from '#services/notification/invoices/handlers.js';
import { replicaHandlers } from '#services/notification/replicas/handlers.js';
import { loadMailConfig } from '#services/notification/mail/config.js';
import { MailDeliverySwitch } from '#services/notification/mail/delivery-switch.js';
import { createMailer } from '#services/notification/mail/mailer.js';
import { createMailSender, type MailSender } from '#services/notification/mail/sender.js';
import { serviceDatabases, type ServiceDatabases } from '../../harness/service-databases.js';
import { uniqueName } from '../../harness/unique-name.js';
import { delivery } from '../messaging/fake-delivery.js';

const ORG = '7d1c9a52-3f0e-4a8b-9c61-2b4e5f6a7b8c';
const RETRIES = [10, 10];

/**
 * A real SMTP server on loopback that counts what it accepts per recipient, refuses the
 * recipients in `refuse` at RCPT TO (550), takes a while over each mail (as a remote server does),
 * and notes how many mails it was receiving at once.
 */
async function startCountingSink() {
  const sink = {
    port: 0,
    received: new Map<string, number>(),
    refuse: new Set<string>(),
    receiving: 0,
    mostAtOnce: 0,
    close: async () => undefined as void,
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (sink.refuse.has(address.address)) {
        callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      sink.receiving++;
      sink.mostAtOnce = Math.max(sink.mostAtOnce, sink.receiving);
      stream.resume();
      stream.on('end', () => {
        // A remote server's time over the mail, so mails sent together are seen together.
        setTimeout(() => {
          sink.receiving--;
          for (const r of session.envelope.rcptTo)
            sink.received.set(r.address, (sink.received.get(r.address) ?? 0) + 1);
          callback();
        }, 40);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return sink;
}

/** An invoice's InvoiceCreated, carrying the customer's address (no replica needed). */
function invoiceCreated(email: string, n: number) {
  return buildEnvelope(
    'sales',
    InvoiceCreated,
    {
      invoiceId: randomUUID(),
      number: `INV-B-${n}`,
      customerId: randomUUID(),
      customerName: 'Anita Rao',
      customerEmail: email,
      amount: '1250.00',
      dueDate: '2031-05-01',
      issueDate: '2031-04-01',
    },
    { organizationId: ORG },
  );
}

/** The same database, noting every statement its transactions send. */
function counting(db: Db, seen: string[]): Db {
  const note = (q: { query: Db['query'] }): Db['query'] =>
    ((sql: string, params?: readonly unknown[]) => {
      seen.push(sql);
      return q.query(sql, params);
    }) as Db['query'];
  const wrap = (tx: Tx): Tx => ({
    query: note(tx),
    afterCommit: (fn) => tx.afterCommit(fn),
    beforeCommit: (build) => tx.beforeCommit(build),
    exec: (sql) => tx.exec(sql),
  });
  return Object.assign(Object.create(db) as Db, {
    query: note(db),
    transaction: <T>(fn: (tx: Tx) => Promise<T>) => db.transaction((tx) => fn(wrap(tx))),
  });
}

async function batches(service: string) {
  const sizes = (await messagingMetrics.batchSize.get()).values.filter((v) => v.labels.service === service);
  return {
    count: sizes.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0,
    messages: sizes.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0,
  };
}

/**
 * Notification's invoice mail handlers behind the real consumer pipeline, on a real PostgreSQL
 * database and a real SMTP server: messages that arrive together are handled in one transaction
 * while their mails go out at once over the pooled connections.
 */
describe('SMTP mail in batches', () => {
  let databases: ServiceDatabases;
  let db: Db;
  let sink: Awaited<ReturnType<typeof startCountingSink>>;
  let sender: MailSender;

  beforeAll(async () => {
    sink = await startCountingSink();
    databases = serviceDatabases({ poolSize: 4 });
    db = await databases.open('notification');
    await runMigrations(db, serviceMigrationSources(notificationService));
    sender = createMailSender(
      loadMailConfig({
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(sink.port),
        SMTP_POOL_SIZE: '4',
        SMTP_TIMEOUT_MS: '5000',
      }),
    );
  }, 120_000);
  afterAll(async () => {
    sender?.close();
    await databases?.close();
    await sink?.close();
  });

  const consumerFor = (service: string, through = db) =>
    createConsumer({
      service,
      db: through,
      registry: new ContractRegistry([InvoiceCreated]),
      handlers: invoiceMailHandlers(createMailer(sender, new MailDeliverySwitch())),
      retryDelaysMs: RETRIES,
      batchSize: 16,
    });
  const addresses = (n: number) =>
    Array.from({ length: n }, (_, i) => `${uniqueName('r')}-${i}@residents.example`);
  const received = (emails: string[]) => emails.map((e) => sink.received.get(e) ?? 0);
  /** The `email.sent` activity: one per mail recorded, naming its recipient. */
  const activity = async (emails: string[]) =>
    (
      await db.query<{ to: string }>(
        `SELECT detail ->> 'to' AS to FROM activity
          WHERE action = 'email.sent' AND detail ->> 'transport' = 'smtp' AND detail ->> 'to' = ANY($1::text[])
          ORDER BY 1`,
        [emails],
      )
    ).rows.map((r) => r.to);
  const recorded = async (emails: string[]) =>
    (
      await db.query<{ recipient: string }>(
        `SELECT recipient FROM outgoing_email WHERE recipient = ANY($1::text[]) ORDER BY recipient`,
        [emails],
      )
    ).rows.map((r) => r.recipient);

  it('handles a batch in one transaction, sends its mails at once, and each arrives once', async () => {
    const service = uniqueName('notification');
    const consume = consumerFor(service);
    const emails = addresses(12);
    const copies = emails.map((e, i) => delivery(JSON.stringify(invoiceCreated(e, i))));
    await Promise.all(copies.map((c) => consume(c.d)));

    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual(copies.map(() => ['ack']));
    expect(received(emails)).toEqual(emails.map(() => 1));
    expect(await recorded(emails)).toEqual([...emails].sort());
    expect(await activity(emails)).toEqual([...emails].sort());
    // One transaction for the twelve, and the server was receiving several mails at a time.
    expect(await batches(service)).toEqual({ count: 1, messages: 12 });
    expect(sink.mostAtOnce).toBeGreaterThan(1);
  });

  it('a refused recipient fails its message alone: the others arrive once, it is retried, then dead-lettered with the reason', async () => {
    const consume = consumerFor(uniqueName('notification'));
    const emails = addresses(6);
    const refused = emails[3]!;
    sink.refuse.add(refused);
    const bodies = emails.map((e, i) => JSON.stringify(invoiceCreated(e, 100 + i)));
    const copies = bodies.map((b) => delivery(b));
    await Promise.all(copies.map((c) => consume(c.d)));

    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual(
      emails.map((e) => [e === refused ? 'retry' : 'ack']),
    );
    // The batch rolled back and its other members ran again alone: their mails were not sent again.
    expect(received(emails)).toEqual(emails.map((e) => (e === refused ? 0 : 1)));
    expect(await recorded(emails)).toEqual(emails.filter((e) => e !== refused).sort());

    // Its last attempt: the dead letter says why, and nothing was recorded for it.
    const last = delivery(bodies[3]!, { attempt: RETRIES.length });
    await consume(last.d);
    expect(last.settled.map((s) => s.how)).toEqual(['dead-letter']);
    expect(last.settled[0]!.info).toMatchObject({ category: 'handler-failed', attempts: RETRIES.length + 1 });
    expect(last.settled[0]!.info!.reason).toContain('notification.invoices.invoice-created');
    expect(last.settled[0]!.info!.reason).toMatch(/550|mailbox unavailable/);
    expect(received([refused])).toEqual([0]);
    expect(await recorded([refused])).toEqual([]);

    // The server takes the address again; the operator's replay mails it once.
    sink.refuse.delete(refused);
    const replayed = delivery(bodies[3]!);
    await consume(replayed.d);
    expect(replayed.settled.map((s) => s.how)).toEqual(['ack']);
    expect(received(emails)).toEqual(emails.map(() => 1));
  });

  it('does not mail twice: a redelivered message, two copies in one batch, one fact published twice', async () => {
    const consume = consumerFor(uniqueName('notification'));
    const [first, second, third] = addresses(3) as [string, string, string];
    const once = JSON.stringify(invoiceCreated(first, 201));
    const delivered = delivery(once);
    await consume(delivered.d);
    expect(received([first])).toEqual([1]);

    // The same invoice's fact published again (a new message id, the same invoice).
    const fact = invoiceCreated(third, 203);
    const republished = buildEnvelope('sales', InvoiceCreated, fact.payload, { organizationId: ORG });
    const twice = JSON.stringify(invoiceCreated(second, 202));
    const copies = [
      delivery(once, { redelivered: true }),
      delivery(twice),
      delivery(twice),
      delivery(JSON.stringify(fact)),
      delivery(JSON.stringify(republished)),
    ];
    await Promise.all(copies.map((c) => consume(c.d)));

    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual(copies.map(() => ['ack']));
    expect(received([first, second, third])).toEqual([1, 1, 1]);
    expect(await recorded([first, second, third])).toEqual([first, second, third].sort());
    expect(await activity([first, second, third])).toEqual([first, second, third].sort());
  });

  it("reads a batch's contacts and earlier sends in one statement each, not one per mail", async () => {
    const service = uniqueName('notification');
    const statements: string[] = [];
    const consume = consumerFor(service, counting(db, statements));
    const emails = addresses(10);
    const facts = emails.map((e, i) => invoiceCreated(e, 300 + i));
    await Promise.all(facts.map((f) => consume(delivery(JSON.stringify(f)).d)));
    expect(received(emails)).toEqual(emails.map(() => 1));

    // The same invoices' facts published again later (new message ids): found sent, not sent again.
    statements.length = 0;
    const again = facts.map((f) =>
      delivery(JSON.stringify(buildEnvelope('sales', InvoiceCreated, f.payload, { organizationId: ORG }))),
    );
    await Promise.all(again.map((c) => consume(c.d)));
    expect(again.map((c) => c.settled.map((s) => s.how))).toEqual(again.map(() => ['ack']));
    expect(received(emails)).toEqual(emails.map(() => 1));
    expect(await batches(service)).toEqual({ count: 2, messages: 20 });
    const reads = (what: RegExp) => statements.filter((sql) => what.test(sql)).length;
    expect(reads(/JOIN contact c/), 'contact reads for 10 mails').toBe(1);
    expect(reads(/FROM outgoing_email WHERE message_id/), 'earlier-send reads for 10 mails').toBe(1);
  });

  it('a contact written earlier in the same batch is the one its mails go to (nothing read ahead goes stale)', async () => {
    const service = uniqueName('notification');
    const consume = createConsumer({
      service,
      db,
      registry: new ContractRegistry([CustomerCreated, InvoiceCreated]),
      handlers: [
        ...replicaHandlers(),
        ...invoiceMailHandlers(createMailer(sender, new MailDeliverySwitch())),
      ],
      retryDelaysMs: RETRIES,
      batchSize: 16,
    });
    const [email] = addresses(1) as [string];
    const customerId = randomUUID();
    const known = buildEnvelope(
      'common',
      CustomerCreated,
      { customerId, name: 'Kiran Shah', email, balance: '0.00' },
      { organizationId: ORG },
    );
    // The invoice's fact without the customer's address: only the replica knows it.
    const { customerEmail: _email, customerName: _name, ...payload } = invoiceCreated(email, 400).payload;
    const invoice = buildEnvelope(
      'sales',
      InvoiceCreated,
      { ...payload, customerId },
      { organizationId: ORG },
    );
    const copies = [delivery(JSON.stringify(known)), delivery(JSON.stringify(invoice))];
    await Promise.all(copies.map((c) => consume(c.d)));
    expect(copies.map((c) => c.settled.map((s) => s.how))).toEqual([['ack'], ['ack']]);
    expect(received([email])).toEqual([1]);
    // Both in one transaction: the mail did not fail on a contact read before the replica wrote it.
    const split = (await messagingMetrics.batchesSplit.get()).values.find(
      (v) => v.labels.service === service,
    );
    expect(split?.value ?? 0).toBe(0);
    expect(await batches(service)).toEqual({ count: 1, messages: 2 });
  });
});
