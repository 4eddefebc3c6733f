-- Employees get an email address (payslips are mailed), and their pay splits into gross and
-- deductions; salary runs with their payslips.
ALTER TABLE employee RENAME COLUMN monthly_salary TO monthly_gross;
ALTER TABLE employee ADD COLUMN monthly_deductions numeric(14, 2) NOT NULL DEFAULT 0;
ALTER TABLE employee ADD CONSTRAINT employee_deductions_within_gross
  CHECK (monthly_deductions >= 0 AND monthly_deductions <= monthly_gross);
ALTER TABLE employee ADD COLUMN email text;
ALTER TABLE employee ALTER COLUMN role SET DEFAULT '';
ALTER TABLE employee ADD COLUMN idempotency_key text;
CREATE INDEX employee_org_idx ON employee (organization_id, id);

-- One run per organization and month. `posted_at`: the run was posted (SalaryPosted in the
-- outbox); `journal_id`: Common acknowledged it (LedgerPosted).
CREATE TABLE salary_run (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid,
  period text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
  status text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'posted')),
  total_gross numeric(14, 2) NOT NULL,
  total_deductions numeric(14, 2) NOT NULL,
  total_net numeric(14, 2) NOT NULL,
  created_by uuid,
  posted_by uuid,
  posted_at timestamptz,
  journal_id uuid,
  acknowledged_at timestamptz,
  correlation_id text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (organization_id, period),
  CHECK (total_gross = total_net + total_deductions)
);

-- What each employee was paid in a run, as computed then (later changes to the employee do not
-- rewrite it).
CREATE TABLE payslip (
  salary_run_id uuid NOT NULL REFERENCES salary_run (id),
  employee_id uuid NOT NULL REFERENCES employee (id),
  name text NOT NULL,
  email text,
  gross numeric(14, 2) NOT NULL,
  deductions numeric(14, 2) NOT NULL,
  net numeric(14, 2) NOT NULL CHECK (net = gross - deductions),
  PRIMARY KEY (salary_run_id, employee_id)
);
