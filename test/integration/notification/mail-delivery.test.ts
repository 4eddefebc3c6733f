import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_OPERATOR, DEMO_ORGANIZATION, DEMO_USERS } from '#contracts/demo.js';
import { apiOf } from '../../support/api.js';
import { dbOf, FAST_SETTINGS, startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

const ADMIN = DEMO_USERS.find((u) => u.roles.includes('admin' as never))!;
const DOWN_REASON = 'mail delivery is down';

/** Notification's operator switch for mail delivery, on the embedded default (the mailbox). */
describe('mail delivery switch (PUT /api/ops/mail-delivery)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;
  let accountant: string;
  let operator: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'sales', 'notification'] });
    api = apiOf(system);
    admin = await system.login(ADMIN.email);
    accountant = await system.login('accountant@demo.dhanman.local');
    operator = await system.login(DEMO_OPERATOR.email);
  }, 180_000);
  afterAll(() => system?.stop());

  // The switch stops every organization's mail: only an operator of the deployment turns it.
  const switchTo = (body: unknown, token: string | null = operator) =>
    api('notification', 'PUT', '/api/ops/mail-delivery', { body, ...(token ? { token } : {}) });
  const status = () => api('notification', 'GET', '/api/ops/mail-delivery', { token: admin });

  it('refuses callers without ops:mail-delivery and bad bodies, and stays up', async () => {
    expect((await api('notification', 'GET', '/api/ops/mail-delivery')).status).toBe(401);
    expect((await switchTo({ state: 'down' }, null)).status).toBe(401);
    // The accountant reads operations (ops:read) but may not stop the mail.
    expect((await api('notification', 'GET', '/api/ops/mail-delivery', { token: accountant })).status).toBe(
      403,
    );
    expect((await switchTo({ state: 'down' }, accountant)).status).toBe(403);
    // An organization's admin sees the state (why their mails wait) but holds no shared switch.
    expect((await status()).status).toBe(200);
    const refused = await switchTo({ state: 'down' }, admin);
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');

    for (const body of [
      {},
      { state: 'sideways' },
      { state: 'down', extra: true },
      { paused: true },
      'down',
    ]) {
      const res = await switchTo(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type'), JSON.stringify(body)).toContain('application/problem+json');
    }
    const now = await status();
    expect(now.status).toBe(200);
    expect(now.body).toMatchObject({ state: 'up', changedBy: null, transport: 'mailbox' });
  });

  it('down: a mail goes through the retry ladder into the dead letters; up and replayed, it arrives once', async () => {
    const down = await switchTo({ state: 'down' });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ state: 'down', changedBy: DEMO_OPERATOR.id });

    const email = `${randomUUID().slice(0, 8)}@residents.example`;
    const customer = await api('common', 'POST', '/api/customers', {
      token: admin,
      body: { name: 'Kavya Iyer', email },
    });
    expect(customer.status).toBe(201);
    const invoice = await api('sales', 'POST', '/api/invoices', {
      token: admin,
      body: { customerId: customer.body.id, amount: '310.00', dueDate: '2031-03-01' },
      headers: { 'idempotency-key': randomUUID() },
    });
    expect(invoice.status).toBe(201);
    const { rows } = await dbOf(system, 'sales').query<{ message_id: string }>(
      `SELECT message_id FROM outbox WHERE type = 'sales.invoice-created' AND body::jsonb -> 'payload' ->> 'invoiceId' = $1`,
      [invoice.body.id],
    );
    const messageId = rows[0]!.message_id;

    const letter = await waitFor('the invoice mail in the dead letters', async () => {
      const res = await api(
        'notification',
        'GET',
        `/api/ops/dead-letters?status=open&messageId=${messageId}`,
        {
          token: admin,
        },
      );
      return res.body.items[0];
    });
    // The dead letter keeps the envelope's organization: it is the demo admin's to see and replay.
    expect(letter.organizationId).toBe(DEMO_ORGANIZATION.id);
    expect(letter.reason).toContain('notification.invoices.invoice-created');
    expect(letter.reason).toContain(DOWN_REASON);
    // Every step of the ladder was tried before giving up.
    expect(letter.attempts).toBe(FAST_SETTINGS.BUS_RETRY_DELAYS_MS!.split(',').length + 1);
    const mails = () =>
      api('notification', 'GET', `/api/emails?to=${encodeURIComponent(email)}`, { token: admin });
    expect((await mails()).body.items).toEqual([]);

    const up = await switchTo({ state: 'up' });
    expect(up.body).toMatchObject({ state: 'up', changedBy: DEMO_OPERATOR.id });
    const replay = await api('notification', 'POST', '/api/ops/dead-letters/replay', {
      token: admin,
      body: { messageId },
    });
    expect(replay.body).toEqual({ replayed: 1 });

    const sent = await waitFor('the replayed mail', async () => {
      const items = (await mails()).body.items as { subject: string }[];
      return items.length > 0 ? items : undefined;
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.subject).toContain(invoice.body.number);
    const after = await api('notification', 'GET', `/api/ops/dead-letters/${letter.id}`, { token: admin });
    expect(after.body.status).toBe('replayed');
  });
});
