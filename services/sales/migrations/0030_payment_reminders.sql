-- Reminders are decided by a daily sweep per organization instead of a job per invoice: this is
-- what it has sent, one row per invoice and due date, so a sweep run twice (or "Run now" beside
-- the schedule) sends once, and an invoice whose due date moves gets a reminder for the new one.
CREATE TABLE payment_reminder (
  invoice_id uuid NOT NULL,
  due_date date NOT NULL,
  organization_id uuid NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (invoice_id, due_date)
);

-- The jobs of the old scheme fired on the reminder day (due date - 3) at 09:00: an invoice not yet
-- due whose reminder day is already behind us was reminded (or made too late for one) and is
-- marked sent (the sweep looks no further back than today); the other invoices' pending jobs are
-- deleted at start (reminders/sweep.ts) and the sweep covers them.
INSERT INTO payment_reminder (invoice_id, due_date, organization_id, sent_at)
SELECT id, due_date, organization_id, now() FROM invoice
 WHERE status = 'issued' AND due_date - 3 < current_date AND due_date >= current_date
ON CONFLICT DO NOTHING;
