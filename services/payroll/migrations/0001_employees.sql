-- The society's staff. Salary runs come with the payroll flow.
CREATE TABLE employee (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  company_id uuid NOT NULL,
  name text NOT NULL,
  role text NOT NULL,
  monthly_salary numeric(14, 2) NOT NULL CHECK (monthly_salary > 0),
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'left')),
  created_at timestamptz NOT NULL DEFAULT now()
);
