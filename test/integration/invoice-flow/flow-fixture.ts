import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Db } from '#platform/data/db.js';
import type { ServiceName } from '#contracts/services.js';
import { dbOf, startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';

export interface FlowCase {
  name: string;
  mode: Mode;
  /** Mail through a real SMTP server (else the embedded mailbox). */
  smtp: boolean;
}

export const FLOW_CASES: FlowCase[] = [
  { name: 'RabbitMQ + PostgreSQL, SMTP', mode: 'distributed', smtp: true },
  { name: 'embedded (PGlite + in-process), SMTP', mode: 'embedded', smtp: true },
  { name: 'embedded default (mailbox)', mode: 'embedded', smtp: false },
];

export interface Mail {
  subject: string;
  text: string;
  html: string;
}

/**
 * Common, Sales and Notification in the test file's process (with an SMTP server when the case
 * wants one) and the helpers the invoice tests share. Ready once the file's `beforeAll` has run.
 */
export class FlowSystem {
  system!: TestSystem;
  sink!: SmtpSink;
  api!: ReturnType<typeof apiOf>;
  admin = '';

  constructor(readonly flowCase: FlowCase) {}

  /** Registers start and stop around the current test file. */
  static forTests(c: FlowCase): FlowSystem {
    const f = new FlowSystem(c);
    beforeAll(() => f.start());
    afterAll(() => f.stop());
    return f;
  }

  async start(): Promise<void> {
    this.sink = await startSmtpSink();
    this.system = await startTestSystem({
      mode: this.flowCase.mode,
      only: ['common', 'sales', 'notification'],
      env: {
        // 50 invoices at once on one embedded connection: the check with Common may wait its turn.
        HTTP_TIMEOUT_MS: '10000',
        ...(this.flowCase.smtp
          ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(this.sink.port), SMTP_POOL_SIZE: '2' }
          : {}),
      },
    });
    this.api = apiOf(this.system);
    this.admin = await this.system.login('admin@demo.dhanman.local');
  }

  async stop(): Promise<void> {
    await this.system?.stop();
    await this.sink?.close();
  }

  db(service: ServiceName): Db {
    return dbOf(this.system, service);
  }

  async count(service: ServiceName, sql: string): Promise<number> {
    return Number((await this.db(service).query<{ n: string }>(sql)).rows[0]!.n);
  }

  async newCustomer(
    email = `${randomUUID().slice(0, 8)}@residents.example`,
    token = this.admin,
  ): Promise<{ id: string; email: string; name: string }> {
    const res = await this.api('common', 'POST', '/api/customers', {
      token,
      body: { name: 'Anita Rao', email },
    });
    expect(res.status).toBe(201);
    return res.body;
  }

  createInvoice(
    body: Record<string, unknown>,
    key: string | null = randomUUID(),
    extra: Record<string, string> = {},
  ) {
    return this.api('sales', 'POST', '/api/invoices', {
      token: this.admin,
      body,
      headers: { ...(key ? { 'idempotency-key': key } : {}), ...extra },
    });
  }

  /** Mails to `to`: what the SMTP server received, or what the mailbox holds. */
  async mailsTo(to: string): Promise<Mail[]> {
    if (this.flowCase.smtp) {
      return this.sink.mails
        .filter((m) => m.envelopeTo.includes(to))
        .map((m) => ({ subject: m.subject, text: m.text, html: m.html }));
    }
    const list = await this.api('notification', 'GET', `/api/emails?to=${encodeURIComponent(to)}`, {
      token: this.admin,
    });
    return Promise.all(
      list.body.items.map(async (e: { id: string }) => {
        const full = await this.api('notification', 'GET', `/api/emails/${e.id}`, { token: this.admin });
        return { subject: full.body.subject, text: full.body.text, html: full.body.html };
      }),
    );
  }
}
