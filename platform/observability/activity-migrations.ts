import type { MigrationSource } from '../data/migrate.js';

/**
 * The table `recordActivity`, `activityCte`, `activityRowsCte` and `traceOf` use, in every
 * service's own database: the host applies it with the platform's other tables, so any service may
 * record its activity and every service's log has the same shape.
 */
export const activityMigrations: MigrationSource = {
  name: 'platform.activity',
  migrations: [
    {
      version: 1,
      name: 'activity',
      sql: `
CREATE TABLE activity (
  id bigserial PRIMARY KEY,
  correlation_id text NOT NULL,
  organization_id uuid,
  action text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_correlation_idx ON activity (correlation_id, id);
`,
    },
  ],
};
