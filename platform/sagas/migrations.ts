import type { MigrationSource } from '../data/migrate.js';

/**
 * The saga engine's tables, in the database of every service that declares sagas: one row per
 * instance (its state, where it is, who runs it) and one per step and phase (how often it ran,
 * when, with what outcome), the history an operator reads.
 */
export const sagaMigrations: MigrationSource = {
  name: 'platform.sagas',
  migrations: [
    {
      version: 1,
      name: 'saga instances and steps',
      sql: `
CREATE TABLE saga_instance (
  id uuid PRIMARY KEY,
  type text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'compensating', 'needs-attention', 'completed', 'failed', 'compensated')),
  state jsonb NOT NULL,
  phase text NOT NULL DEFAULT 'forward' CHECK (phase IN ('forward', 'compensate')),
  step_index integer NOT NULL DEFAULT 0,
  completed_steps integer[] NOT NULL DEFAULT '{}',
  failure_reason text,
  organization_id uuid,
  correlation_id text,
  -- When the engine should run it next (null: not waiting on a delay).
  next_run_at timestamptz,
  -- Who runs it now: a runner holds it until lease_until and renews while a step runs.
  lease_owner text,
  lease_until timestamptz,
  -- Bumped by every write: a runner that lost its lease cannot overwrite a newer record.
  version integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX saga_instance_due_idx ON saga_instance (next_run_at)
  WHERE status IN ('running', 'compensating', 'needs-attention');
CREATE INDEX saga_instance_type_status_idx ON saga_instance (type, status, created_at);

CREATE TABLE saga_step (
  saga_id uuid NOT NULL REFERENCES saga_instance (id),
  phase text NOT NULL CHECK (phase IN ('forward', 'compensate')),
  step_index integer NOT NULL,
  name text NOT NULL,
  status text NOT NULL CHECK (status IN ('running', 'done', 'failed', 'retrying')),
  attempts integer NOT NULL DEFAULT 0,
  first_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_attempt_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  last_error text,
  note text,
  PRIMARY KEY (saga_id, phase, step_index)
);
`,
    },
    {
      version: 2,
      name: 'saga progress by step name',
      // Progress by name, so a definition that gains or reorders steps still resumes its running
      // instances. Names come from each instance's own step history; the few instances with no
      // history at their step (never claimed yet) are named by the engine at start, from the
      // definition that wrote their indices (sagas/adopt.ts). The old columns stay, unread.
      sql: `
ALTER TABLE saga_instance ADD COLUMN step text;
ALTER TABLE saga_instance ADD COLUMN completed text[] NOT NULL DEFAULT '{}';
ALTER TABLE saga_instance ADD COLUMN definition_version integer NOT NULL DEFAULT 1;
ALTER TABLE saga_instance ALTER COLUMN step_index DROP NOT NULL;
UPDATE saga_instance i SET step = s.name
  FROM saga_step s WHERE s.saga_id = i.id AND s.phase = i.phase AND s.step_index = i.step_index;
UPDATE saga_instance i SET completed = coalesce(
  (SELECT array_agg(s.name ORDER BY s.step_index) FROM saga_step s
    WHERE s.saga_id = i.id AND s.phase = 'forward' AND s.step_index = ANY (i.completed_steps)), '{}')
 WHERE i.step IS NOT NULL;
ALTER TABLE saga_step DROP CONSTRAINT saga_step_pkey;
ALTER TABLE saga_step ADD PRIMARY KEY (saga_id, phase, name);
`,
    },
  ],
};
