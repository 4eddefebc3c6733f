-- Purchase orders with their lines and approvals, vendor bills, and the numbering of both.

-- A vendor may have no email address (bills arrive on paper too); a new vendor's name is unique
-- in its organization, whatever its case.
ALTER TABLE vendor ALTER COLUMN email DROP NOT NULL;
ALTER TABLE vendor ADD COLUMN created_by text;
ALTER TABLE vendor ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX vendor_org_name_ci_idx ON vendor (organization_id, lower(name));

-- One row per (organization, document kind, month): taking the next number locks it until the
-- document commits, so numbers are consecutive and unique (PO-YYYYMM-0001, BILL-YYYYMM-0001).
CREATE TABLE document_counter (
  organization_id uuid NOT NULL,
  kind text NOT NULL CHECK (kind IN ('PO', 'BILL')),
  period text NOT NULL CHECK (period ~ '^[0-9]{6}$'),
  last_number integer NOT NULL,
  PRIMARY KEY (organization_id, kind, period)
);

CREATE TABLE purchase_order (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid,
  number text NOT NULL,
  vendor_id uuid NOT NULL REFERENCES vendor (id),
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'submitted', 'approved', 'rejected', 'cancelled')),
  -- The roles whose approval it needs, in order; fixed when it is submitted.
  required_roles text[] NOT NULL DEFAULT '{}',
  requested_by uuid NOT NULL,
  submitted_at timestamptz,
  decided_at timestamptz,
  rejected_by uuid,
  rejection_comments text,
  cancelled_at timestamptz,
  -- Common's budget reservation for it (LedgerPosted, po-reservation).
  reservation_journal_id uuid,
  reserved_at timestamptz,
  correlation_id text,
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number),
  UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX purchase_order_org_status_idx ON purchase_order (organization_id, status, created_at);

CREATE TABLE purchase_order_line (
  purchase_order_id uuid NOT NULL REFERENCES purchase_order (id),
  position integer NOT NULL,
  description text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price numeric(14, 2) NOT NULL CHECK (unit_price > 0),
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  PRIMARY KEY (purchase_order_id, position)
);

-- Every approval, kept: who, in which role, when, with what comments. A person approves a PO once,
-- and each required role is filled once.
CREATE TABLE purchase_order_approval (
  purchase_order_id uuid NOT NULL REFERENCES purchase_order (id),
  role text NOT NULL,
  user_id uuid NOT NULL,
  comments text,
  approved_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (purchase_order_id, role),
  UNIQUE (purchase_order_id, user_id)
);

CREATE TABLE bill (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid,
  number text NOT NULL,
  vendor_id uuid NOT NULL REFERENCES vendor (id),
  -- One bill per purchase order: the bill releases the PO's whole reservation.
  purchase_order_id uuid UNIQUE REFERENCES purchase_order (id),
  amount numeric(14, 2) NOT NULL CHECK (amount > 0),
  due_date date NOT NULL,
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open')),
  journal_id uuid,
  posted_at timestamptz,
  created_by uuid,
  correlation_id text,
  idempotency_key text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, number),
  UNIQUE (organization_id, idempotency_key)
);
CREATE INDEX bill_org_created_idx ON bill (organization_id, created_at);
