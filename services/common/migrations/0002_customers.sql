-- Customers (residents billed by the society) and what they owe.
CREATE TABLE customer (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL REFERENCES organization (id),
  company_id uuid NOT NULL REFERENCES company (id),
  name text NOT NULL,
  email text NOT NULL,
  -- Positive: the customer owes the society.
  balance numeric(14, 2) NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customer_org_idx ON customer (organization_id, created_at, id);

-- Every balance change, once per reference (an idempotency key, "invoice:<id>", "payment:<id>").
CREATE TABLE customer_balance_change (
  id bigserial PRIMARY KEY,
  organization_id uuid NOT NULL,
  customer_id uuid NOT NULL REFERENCES customer (id),
  reference text NOT NULL,
  amount_delta numeric(14, 2) NOT NULL,
  balance_after numeric(14, 2) NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, reference)
);
