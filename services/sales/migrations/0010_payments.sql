-- Payments of invoices, each run by a payment saga (platform/sagas: saga_instance has the same id).
ALTER TABLE invoice ADD COLUMN paid_at timestamptz;
ALTER TABLE invoice ADD COLUMN voided_at timestamptz;

CREATE TABLE payment (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid,
  invoice_id uuid NOT NULL REFERENCES invoice (id),
  customer_id uuid NOT NULL,
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  payment_method_id text NOT NULL,
  -- Follows the saga: pending while it runs, then succeeded, failed, refunded; needs-attention when
  -- the gateway's answer stayed unknown past the deadline.
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded', 'needs-attention')),
  transaction_id text,
  failure_reason text,
  idempotency_key text,
  requested_by text,
  correlation_id text,
  paid_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_invoice_idx ON payment (organization_id, invoice_id, created_at);
-- One payment of an invoice in progress or made: a second one is refused (409), never charged.
CREATE UNIQUE INDEX payment_one_open_per_invoice ON payment (invoice_id)
  WHERE status IN ('pending', 'succeeded', 'needs-attention');
