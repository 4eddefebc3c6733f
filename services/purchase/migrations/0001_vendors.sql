-- Vendors the society buys from. Purchase orders and bills come with the approval workflow.
CREATE TABLE vendor (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid NOT NULL,
  name text NOT NULL,
  email text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, name)
);
