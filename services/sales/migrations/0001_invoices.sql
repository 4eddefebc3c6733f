-- Invoices with their lines, numbered per organization and month without gaps.
CREATE TABLE invoice (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid,
  number text NOT NULL,
  customer_id uuid NOT NULL,
  -- As Common reported them when the invoice was made (for mail and display).
  customer_name text NOT NULL,
  customer_email text NOT NULL,
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  issue_date date NOT NULL,
  due_date date NOT NULL,
  description text,
  status text NOT NULL DEFAULT 'issued' CHECK (status IN ('draft', 'issued', 'paid', 'void')),
  -- Set when Common acknowledges the ledger posting (LedgerPosted).
  journal_id uuid,
  posted_at timestamptz,
  correlation_id text,
  -- The Idempotency-Key that made it: a retry after a crash finds this invoice instead of making another.
  idempotency_key text,
  created_by text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number),
  UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX invoice_org_created_idx ON invoice (organization_id, created_at, id);
CREATE INDEX invoice_customer_idx ON invoice (organization_id, customer_id);

CREATE TABLE invoice_line (
  id bigserial PRIMARY KEY,
  invoice_id uuid NOT NULL REFERENCES invoice (id),
  position integer NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(14, 2) NOT NULL CHECK (unit_price > 0),
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  UNIQUE (invoice_id, position)
);

-- One row per (organization, month): taking the next number locks it until the invoice commits,
-- so numbers are consecutive and unique however many invoices are made at once.
CREATE TABLE invoice_counter (
  organization_id uuid NOT NULL,
  period text NOT NULL CHECK (period ~ '^[0-9]{6}$'),
  last_number integer NOT NULL,
  PRIMARY KEY (organization_id, period)
);
