-- The deployment's operators: a platform role, held by the people who run the deployment, not an
-- organization's role (no sign-up or /api/users grants it; `npm run dhanman -- operators add`
-- does, on the deployment). Their users live in the platform's own organization, which has no
-- business data: an operator's token acts for no society.
CREATE TABLE platform_operator (
  user_id uuid PRIMARY KEY REFERENCES app_user (id),
  granted_at timestamptz NOT NULL DEFAULT now(),
  granted_by text NOT NULL
);
