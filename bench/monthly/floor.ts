import { randomUUID } from 'node:crypto';
import amqplib, { type Channel, type ConfirmChannel, type ConsumeMessage } from 'amqplib';
import pg from 'pg';

/**
 * The floor of the monthly run: per resident the rows the system writes and the messages it sends
 * (see ROWS), written by a minimal pipeline with no framework on the same PostgreSQL and RabbitMQ:
 * batched multi-row inserts, a confirmed publish per batch, consumers that write their rows for a
 * whole prefetch at once. No HTTP, no validation, no tracing, no retries: how fast the servers
 * themselves take this work, the measure of how close the system gets.
 */
export const ROWS = {
  sales:
    'invoice, invoice_line, invoice_run_item, outbox (InvoiceCreated), inbox, activity; invoice marked posted',
  common: 'inbox, journal, 2 journal_line, outbox (LedgerPosted), activity',
  notification: 'inbox, outgoing_email, activity',
  messages: 'InvoiceCreated to 2 queues (Common, Notification), LedgerPosted to 1 (Sales)',
};

const TABLES = `
CREATE TABLE invoice (id uuid PRIMARY KEY, organization_id uuid NOT NULL, number text NOT NULL, customer_id uuid NOT NULL,
  amount numeric(14,2) NOT NULL, due_date date NOT NULL, status text NOT NULL DEFAULT 'issued', journal_id uuid,
  posted_at timestamptz, created_at timestamptz NOT NULL DEFAULT now(), UNIQUE (organization_id, number));
CREATE TABLE invoice_line (invoice_id uuid NOT NULL, position int NOT NULL, amount numeric(14,2) NOT NULL,
  PRIMARY KEY (invoice_id, position));
CREATE TABLE invoice_run_item (resident_id uuid PRIMARY KEY, invoice_id uuid NOT NULL);
CREATE TABLE journal (id uuid PRIMARY KEY, reference_id uuid NOT NULL, posting_kind text NOT NULL,
  UNIQUE (reference_id, posting_kind));
CREATE TABLE journal_line (journal_id uuid NOT NULL, account_code text NOT NULL, debit numeric(14,2) NOT NULL,
  credit numeric(14,2) NOT NULL);
CREATE TABLE outgoing_email (message_id uuid NOT NULL, recipient text NOT NULL, PRIMARY KEY (message_id, recipient));
CREATE TABLE activity (id bigserial PRIMARY KEY, kind text NOT NULL, detail jsonb NOT NULL);
`;
const perService = (s: string) => `
CREATE SCHEMA ${s};
CREATE TABLE ${s}.outbox (id bigserial PRIMARY KEY, message_id uuid NOT NULL, body text NOT NULL, sent_at timestamptz);
CREATE TABLE ${s}.inbox (message_id uuid NOT NULL, handler text NOT NULL, PRIMARY KEY (message_id, handler));
`;
const SERVICES = ['sales', 'common', 'notification'] as const;
const EXCHANGE = 'floor.events';
const BATCH = 500;

export async function measureFloor(opts: {
  postgresUrl: string;
  amqpUrl: string;
  database: string;
  residents: number;
}): Promise<{ seconds: number; residentsPerSecond: number }> {
  const admin = new pg.Client({ connectionString: opts.postgresUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${opts.database}`);
  await admin.end();
  const url = new URL(opts.postgresUrl);
  url.pathname = `/${opts.database}`;
  const db = new pg.Pool({ connectionString: url.toString(), max: 8 });
  await db.query(TABLES);
  for (const s of SERVICES) await db.query(perService(s));

  const conn = await amqplib.connect(opts.amqpUrl);
  // The servers may stop under a failed floor: its error is the one to report, not the socket's.
  conn.on('error', () => undefined);
  const pub: ConfirmChannel = await conn.createConfirmChannel();
  await pub.assertExchange(EXCHANGE, 'topic', { durable: true });
  for (const [queue, key] of [
    ['floor.common', 'invoice-created'],
    ['floor.notification', 'invoice-created'],
    ['floor.sales', 'ledger-posted.invoice'],
  ] as const) {
    await pub.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    await pub.bindQueue(queue, EXCHANGE, key);
  }
  const publish = async (key: string, bodies: string[]) => {
    for (const b of bodies) pub.publish(EXCHANGE, key, Buffer.from(b), { persistent: true });
    await pub.waitForConfirms();
  };
  const tx = async (work: (c: pg.PoolClient) => Promise<void>) => {
    const c = await db.connect();
    try {
      await c.query('BEGIN');
      await work(c);
      await c.query('COMMIT');
    } catch (err) {
      await c.query('ROLLBACK');
      throw err;
    } finally {
      c.release();
    }
  };
  const outboxed = async (c: pg.PoolClient, schema: string, bodies: string[]) =>
    c.query(`INSERT INTO ${schema}.outbox (message_id, body) SELECT gen_random_uuid(), unnest($1::text[])`, [
      bodies,
    ]);
  const inboxed = (c: pg.PoolClient, schema: string, ids: string[]) =>
    c.query(`INSERT INTO ${schema}.inbox (message_id, handler) SELECT unnest($1::uuid[]), 'h'`, [ids]);
  const activity = (c: pg.PoolClient, kind: string, ids: string[]) =>
    c.query(
      `INSERT INTO activity (kind, detail) SELECT $1, jsonb_build_object('id', id) FROM unnest($2::uuid[]) id`,
      [kind, ids],
    );

  let mailed = 0;
  let posted = 0;
  let done: () => void = () => undefined;
  let fail: (err: unknown) => void = () => undefined;
  const finished = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  const check = () => {
    if (mailed >= opts.residents && posted >= opts.residents) done();
  };
  /** A consumer that handles what the prefetch holds in one transaction, then acks it. */
  const consume = async (
    queue: string,
    handle: (bodies: Array<{ id: string; invoiceId: string }>) => Promise<void>,
    acked?: (n: number) => void,
  ) => {
    const ch: Channel = await conn.createChannel();
    await ch.prefetch(BATCH);
    let pending: ConsumeMessage[] = [];
    let busy = false;
    // One transaction at a time, taking everything that arrived while the last one ran: flushing
    // at every tick made batches of a few messages, each waiting for its own publish confirms.
    const flush = () => {
      if (busy || pending.length === 0) return;
      const batch = pending;
      pending = [];
      busy = true;
      handle(batch.map((m) => JSON.parse(m.content.toString()) as { id: string; invoiceId: string }))
        .then(() => {
          for (const m of batch) ch.ack(m);
          acked?.(batch.length);
          busy = false;
          flush();
        })
        .catch(fail);
    };
    await ch.consume(queue, (m) => {
      if (!m) return;
      pending.push(m);
      if (pending.length >= BATCH) flush();
      else setImmediate(flush);
    });
  };
  await consume('floor.common', async (msgs) =>
    tx(async (c) => {
      const ids = msgs.map((m) => m.id);
      const invoices = msgs.map((m) => m.invoiceId);
      const journals = msgs.map(() => randomUUID());
      await inboxed(c, 'common', ids);
      await c.query(
        `INSERT INTO journal (id, reference_id, posting_kind) SELECT unnest($1::uuid[]), unnest($2::uuid[]), 'invoice'`,
        [journals, invoices],
      );
      await c.query(
        `INSERT INTO journal_line (journal_id, account_code, debit, credit)
         SELECT j, a, d, cr FROM unnest($1::uuid[]) j,
           (VALUES ('1200', 1000.00, 0), ('4000', 0, 1000.00)) AS l(a, d, cr)`,
        [journals],
      );
      const acks = invoices.map((invoiceId, i) =>
        JSON.stringify({ id: randomUUID(), invoiceId, journalId: journals[i] }),
      );
      await outboxed(c, 'common', acks);
      await activity(c, 'ledger.posted', journals);
      await publish('ledger-posted.invoice', acks);
      await c.query(`UPDATE common.outbox SET sent_at = now() WHERE sent_at IS NULL`);
    }),
  );
  await consume(
    'floor.notification',
    async (msgs) => {
      await tx(async (c) => {
        const ids = msgs.map((m) => m.id);
        await inboxed(c, 'notification', ids);
        await c.query(
          `INSERT INTO outgoing_email (message_id, recipient) SELECT unnest($1::uuid[]), 'r@x.example'`,
          [ids],
        );
        await activity(c, 'email.sent', ids);
      });
    },
    (n) => {
      mailed += n;
      check();
    },
  );
  await consume(
    'floor.sales',
    async (msgs) => {
      await tx(async (c) => {
        await inboxed(
          c,
          'sales',
          msgs.map((m) => m.id),
        );
        const invoices = msgs.map((m) => m.invoiceId);
        await c.query(
          `UPDATE invoice SET posted_at = now(), journal_id = gen_random_uuid() WHERE id = ANY($1::uuid[])`,
          [invoices],
        );
        await activity(c, 'invoice.posted', invoices);
      });
    },
    (n) => {
      posted += n;
      check();
    },
  );

  const organizationId = randomUUID();
  const t0 = performance.now();
  for (let from = 0; from < opts.residents; from += BATCH) {
    const n = Math.min(BATCH, opts.residents - from);
    const invoices = Array.from({ length: n }, () => randomUUID());
    const events = invoices.map((invoiceId) => JSON.stringify({ id: randomUUID(), invoiceId }));
    await tx(async (c) => {
      await c.query(
        `INSERT INTO invoice (id, organization_id, number, customer_id, amount, due_date)
         SELECT id, $2, 'INV-' || ($3 + ord), gen_random_uuid(), 1000.00, '2027-01-15'
           FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, ord)`,
        [invoices, organizationId, from],
      );
      await c.query(
        `INSERT INTO invoice_line (invoice_id, position, amount) SELECT unnest($1::uuid[]), 1, 1000.00`,
        [invoices],
      );
      await c.query(
        `INSERT INTO invoice_run_item (resident_id, invoice_id) SELECT gen_random_uuid(), unnest($1::uuid[])`,
        [invoices],
      );
      await outboxed(c, 'sales', events);
    });
    await publish('invoice-created', events);
    await db.query(`UPDATE sales.outbox SET sent_at = now() WHERE sent_at IS NULL`);
  }
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await conn.close();
  await db.end();
  return { seconds, residentsPerSecond: opts.residents / seconds };
}
