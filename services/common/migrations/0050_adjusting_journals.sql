-- Adjusting journals name the customer a receivable line is about: the ledger keeps whose balance
-- the line moved (the customer's balance column moves with it, in the same transaction).
ALTER TABLE journal_line ADD COLUMN customer_id uuid;
CREATE INDEX journal_line_customer_idx ON journal_line (organization_id, customer_id)
  WHERE customer_id IS NOT NULL;
