import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '#platform/data/db.js';
import { outboxBus } from '#platform/messaging/outbox-bus.js';
import { sweepReminders } from '#services/sales/reminders/sweep.js';
import { openSalesDb } from './sales-db.js';

/**
 * The daily reminder sweep of one organization, on a real Sales database with the clock given:
 * the invoices still issued and due within three days in the organization's calendar, each
 * reminded once per due date however often the sweep runs.
 */
describe('payment reminder sweep', () => {
  let db: Db;
  const bus = outboxBus({ service: 'sales' });

  beforeAll(async () => {
    db = await openSalesDb('reminders');
  });
  afterAll(async () => db?.close());

  const organization = async (timeZone: string) => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO billing_organization (organization_id, name, time_zone) VALUES ($1, $2, $3)`,
      [id, `Society ${timeZone}`, timeZone],
    );
    return id;
  };
  let numbers = 0;
  const invoice = async (organizationId: string, dueDate: string, status = 'issued') => {
    const id = randomUUID();
    await db.query(
      `INSERT INTO invoice (id, organization_id, number, customer_id, customer_name, customer_email, amount,
                            issue_date, due_date, status)
       VALUES ($1, $2, $3, $4, 'Rohan Resident', 'rohan@residents.example', 1234.50, '2026-12-01', $5, $6)`,
      [id, organizationId, `INV-202612-${String(++numbers).padStart(4, '0')}`, randomUUID(), dueDate, status],
    );
    return id;
  };
  /** The invoices a SendPaymentReminder was written for, each with its due date, in the outbox. */
  const commands = async (organizationId: string) =>
    (
      await db.query<{ invoice_id: string; due_date: string }>(
        `SELECT body::jsonb #>> '{payload,invoiceId}' AS invoice_id, body::jsonb #>> '{payload,dueDate}' AS due_date
           FROM outbox WHERE type = 'notification.send-payment-reminder'
            AND body::jsonb ->> 'organizationId' = $1 ORDER BY id`,
        [organizationId],
      )
    ).rows;

  // 09:00 in Kolkata on 12 December 2026.
  const nineInKolkata = new Date('2026-12-12T03:30:00Z');

  it('sends once for an invoice due in three days, however often it runs; a paid or void invoice gets none', async () => {
    const org = await organization('Asia/Kolkata');
    const due = await invoice(org, '2026-12-15');
    await invoice(org, '2026-12-15', 'paid');
    await invoice(org, '2026-12-15', 'void');

    // Two at once ("Run now" while the schedule fires), then again later that day: one reminder.
    const both = await Promise.all([
      sweepReminders(db, bus, org, nineInKolkata),
      sweepReminders(db, bus, org, nineInKolkata),
    ]);
    expect(both.map((o) => o.sent).sort()).toEqual([0, 1]);
    expect(await sweepReminders(db, bus, org, new Date(nineInKolkata.getTime() + 3_600_000))).toEqual({
      sent: 0,
    });
    expect(await commands(org)).toEqual([{ invoice_id: due, due_date: '2026-12-15' }]);
  });

  it('catches up the invoices a missed day left behind, but not those overdue or due later than three days', async () => {
    const org = await organization('Asia/Kolkata');
    // The sweeps of the 10th and 11th did not run: these were due reminders then.
    const missed = [await invoice(org, '2026-12-13'), await invoice(org, '2026-12-14')];
    const today = await invoice(org, '2026-12-12');
    await invoice(org, '2026-12-11'); // overdue: not a reminder any more
    await invoice(org, '2026-12-16'); // tomorrow's sweep

    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 3 });
    expect((await commands(org)).map((c) => c.invoice_id).sort()).toEqual([...missed, today].sort());
  });

  it("keeps each organization's calendar: at one instant Kolkata is a day ahead of New York", async () => {
    const kolkata = await organization('Asia/Kolkata');
    const newYork = await organization('America/New_York');
    const inKolkata = await invoice(kolkata, '2026-12-15');
    const inNewYork = await invoice(newYork, '2026-12-15');
    // 01:30 on the 12th in Kolkata, 15:00 on the 11th in New York.
    const at = new Date('2026-12-11T20:00:00Z');

    expect(await sweepReminders(db, bus, kolkata, at)).toEqual({ sent: 1 });
    expect(await sweepReminders(db, bus, newYork, at)).toEqual({ sent: 0 });
    expect((await commands(kolkata)).map((c) => c.invoice_id)).toEqual([inKolkata]);
    // New York's 12th comes five hours later (midnight there).
    expect(await sweepReminders(db, bus, newYork, new Date('2026-12-12T05:00:00Z'))).toEqual({ sent: 1 });
    expect((await commands(newYork)).map((c) => c.invoice_id)).toEqual([inNewYork]);
  });

  it('reminds again when the due date moves, once for the new date', async () => {
    const org = await organization('Asia/Kolkata');
    const id = await invoice(org, '2026-12-14');
    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 1 });
    await db.query(`UPDATE invoice SET due_date = '2026-12-15' WHERE id = $1`, [id]);
    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 1 });
    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 0 });
    expect(await commands(org)).toEqual([
      { invoice_id: id, due_date: '2026-12-14' },
      { invoice_id: id, due_date: '2026-12-15' },
    ]);
  });

  it('sends a large day in pages, each invoice once', async () => {
    const org = await organization('Asia/Kolkata');
    await db.query(
      `INSERT INTO invoice (id, organization_id, number, customer_id, customer_name, customer_email, amount,
                            issue_date, due_date)
       SELECT gen_random_uuid(), $1, 'INV-BULK-' || n, gen_random_uuid(), 'Resident ' || n, 'r' || n || '@x.example',
              100, '2026-12-01', '2026-12-15'
         FROM generate_series(1, 1203) AS n`,
      [org],
    );
    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 1203 });
    const sent = await commands(org);
    expect(new Set(sent.map((c) => c.invoice_id)).size).toBe(1203);
    expect(await sweepReminders(db, bus, org, nineInKolkata)).toEqual({ sent: 0 });
  });
});
