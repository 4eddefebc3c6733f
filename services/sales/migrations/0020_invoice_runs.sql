-- Organizations as Sales knows them (from Common's OrganizationRegistered) with their billing settings:
-- the zone the monthly run and reminders keep time in, and the day of the month invoices fall due.
CREATE TABLE billing_organization (
  organization_id uuid PRIMARY KEY,
  name text NOT NULL,
  time_zone text NOT NULL DEFAULT 'Asia/Kolkata',
  due_day integer NOT NULL DEFAULT 15 CHECK (due_day BETWEEN 1 AND 28),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A monthly invoice run: one per organization and period at a time (two starts make one run).
CREATE TABLE invoice_run (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
  status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
  residents integer NOT NULL DEFAULT 0,
  created integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  -- Where the run is in Community's list of active residents (resumes there after a crash).
  cursor text,
  reason text,
  -- Who is working on it, until when (renewed each page): a run whose lease lapsed is resumed.
  lease_owner text,
  lease_until timestamptz,
  started_by text,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE UNIQUE INDEX invoice_run_one_running ON invoice_run (organization_id, period) WHERE status = 'running';
CREATE INDEX invoice_run_list ON invoice_run (organization_id, started_at DESC, id);

CREATE TABLE invoice_run_failure (
  run_id uuid NOT NULL REFERENCES invoice_run (id),
  resident_id uuid NOT NULL,
  reason text NOT NULL,
  PRIMARY KEY (run_id, resident_id)
);

-- One invoice per resident and period, whichever run made it: a re-run skips what is here.
CREATE TABLE invoice_run_item (
  organization_id uuid NOT NULL,
  period text NOT NULL,
  resident_id uuid NOT NULL,
  invoice_id uuid NOT NULL,
  run_id uuid NOT NULL,
  PRIMARY KEY (organization_id, period, resident_id)
);
