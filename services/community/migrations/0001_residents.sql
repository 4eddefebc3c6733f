-- Buildings, units and the residents who live in them; a resident is billed monthly.
CREATE TABLE building (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid NOT NULL,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name)
);

CREATE TABLE unit (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid NOT NULL,
  building_id uuid NOT NULL REFERENCES building (id),
  code text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, code)
);

CREATE TABLE resident (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid NOT NULL,
  unit_id uuid NOT NULL REFERENCES unit (id),
  -- The same person as a customer in Common (who is invoiced).
  customer_id uuid NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'moved-out')),
  monthly_charges numeric(14, 2) NOT NULL CHECK (monthly_charges >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, customer_id)
);

CREATE INDEX resident_active_page ON resident (organization_id, status, id);
