import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { DEMO_USERS } from '#contracts/demo.js';
import type { ServiceName } from '#contracts/services.js';
import type { Db } from '#platform/data/db.js';
import { registry } from '#platform/observability/metrics.js';
import { apiOf } from '../../support/api.js';
import { dbOf, startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';
import { startSmtpSink, type SmtpSink } from '../invoice-flow/smtp-sink.js';

export interface PurchaseFlowCase {
  name: string;
  mode: Mode;
  /** Mail through a real SMTP server (else the embedded mailbox). */
  smtp: boolean;
}

export interface ReceivedMail {
  subject: string;
  text: string;
  template: string | undefined;
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
}

export const user = (role: 'admin' | 'accountant' | 'manager' | 'cfo' | 'resident') =>
  DEMO_USERS.find((u) => u.roles.includes(role as never))!;

/** Every service (the user replica is checked in each), an SMTP server when the case wants one, tokens by role. */
export class PurchaseFlow {
  system!: TestSystem;
  sink!: SmtpSink;
  api!: ReturnType<typeof apiOf>;
  tokens: Record<string, string> = {};

  constructor(readonly flowCase: PurchaseFlowCase) {}

  static forTests(c: PurchaseFlowCase): PurchaseFlow {
    const f = new PurchaseFlow(c);
    beforeAll(() => f.start(), 180_000);
    afterAll(() => f.stop());
    return f;
  }

  async start(): Promise<void> {
    this.sink = await startSmtpSink();
    this.system = await startTestSystem({
      mode: this.flowCase.mode,
      env: this.flowCase.smtp
        ? { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(this.sink.port), SMTP_POOL_SIZE: '2' }
        : {},
    });
    this.api = apiOf(this.system);
    for (const role of ['admin', 'accountant', 'manager', 'cfo', 'resident'] as const) {
      this.tokens[role] = await this.system.login(user(role).email);
    }
  }

  async stop(): Promise<void> {
    await this.system?.stop();
    await this.sink?.close();
  }

  db(service: ServiceName): Db {
    return dbOf(this.system, service);
  }

  async count(service: ServiceName, sql: string, params: unknown[] = []): Promise<number> {
    return Number((await this.db(service).query<{ n: string }>(sql, params)).rows[0]!.n);
  }

  post(
    service: ServiceName,
    path: string,
    token: string,
    body: unknown = {},
    key: string | null = randomUUID(),
  ) {
    return this.api(service, 'POST', path, { token, body, headers: key ? { 'idempotency-key': key } : {} });
  }

  get(service: ServiceName, path: string, token = this.tokens.admin!) {
    return this.api(service, 'GET', path, { token });
  }

  async journals(referenceId: string): Promise<Array<{ postingKind: string; lines: string[] }>> {
    const res = await this.get('common', `/api/ledger/journals?referenceId=${referenceId}`);
    expect(res.status).toBe(200);
    return res.body.items.map(
      (j: { postingKind: string; lines: Array<{ accountCode: string; debit: string; credit: string }> }) => ({
        postingKind: j.postingKind,
        lines: j.lines.map((l) => `${l.accountCode} Dr ${l.debit} Cr ${l.credit}`),
      }),
    );
  }

  /** Mails to `to` (optionally of one template): what the SMTP server received, or the mailbox's. */
  async mailsTo(to: string, template?: string): Promise<ReceivedMail[]> {
    if (this.flowCase.smtp) {
      return this.sink.mails
        .filter((m) => m.envelopeTo.includes(to))
        .map((m) => ({
          subject: m.subject,
          text: m.text,
          template: m.headers['x-dhanman-template'],
          attachments: m.attachments,
        }))
        .filter((m) => !template || m.template === template);
    }
    const query = `to=${encodeURIComponent(to)}${template ? `&template=${template}` : ''}`;
    const list = await this.get('notification', `/api/emails?${query}`);
    return Promise.all(
      list.body.items.map(
        async (e: {
          id: string;
          template: string;
          attachments: Array<{ filename: string; contentType: string }>;
        }) => {
          const full = await this.get('notification', `/api/emails/${e.id}`);
          const attachments = await Promise.all(
            e.attachments.map(async (a, i) => {
              const res = await fetch(
                `${this.system.url('notification')}/api/emails/${e.id}/attachments/${i + 1}`,
                {
                  headers: { authorization: `Bearer ${this.tokens.admin}` },
                },
              );
              expect(res.status).toBe(200);
              return { ...a, content: Buffer.from(await res.arrayBuffer()) };
            }),
          );
          return { subject: full.body.subject, text: full.body.text, template: e.template, attachments };
        },
      ),
    );
  }

  /** Waits for at least `n` mails to `to` of a template whose subject contains `about`. */
  async waitForMails(to: string, template: string, about: string, n = 1): Promise<ReceivedMail[]> {
    return waitFor(`${n} ${template} mail(s) to ${to} about ${about}`, async () => {
      const mails = (await this.mailsTo(to, template)).filter((m) => m.subject.includes(about));
      return mails.length >= n ? mails : undefined;
    });
  }
}

/** How many deliveries a handler recognised as already handled (the consumer's own counter). */
export async function duplicatesOf(handler: string): Promise<number> {
  const metric = await registry.getSingleMetric('dhanman_messages_consumed_total')!.get();
  return metric.values
    .filter((v) => v.labels.handler === handler && v.labels.outcome === 'duplicate')
    .reduce((n, v) => n + v.value, 0);
}
