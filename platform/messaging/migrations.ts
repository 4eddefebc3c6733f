import type { MigrationSource } from '../data/migrate.js';

/**
 * The bus's tables in every service's own database: the outbox the relay publishes from, the
 * inbox that makes handlers run once, the archive of dead letters, and delivery counts for
 * brokers that do not count redeliveries themselves.
 */
export const messagingMigrations: MigrationSource = {
  name: 'platform.messaging',
  migrations: [
    {
      version: 1,
      name: 'outbox, inbox, dead letters, delivery attempts',
      sql: `
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  message_id uuid NOT NULL,
  type text NOT NULL,
  exchange text NOT NULL,
  routing_key text NOT NULL,
  body text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
CREATE INDEX outbox_unsent_idx ON outbox (id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent_at_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;

CREATE TABLE outbox_relay_lease (
  name text PRIMARY KEY,
  holder text NOT NULL,
  lease_until timestamptz NOT NULL
);

CREATE TABLE inbox (
  message_id uuid NOT NULL,
  handler text NOT NULL,
  processed_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (message_id, handler)
);
CREATE INDEX inbox_processed_at_idx ON inbox (processed_at);

CREATE TABLE dead_letter (
  id bigserial PRIMARY KEY,
  dead_letter_key text UNIQUE,
  message_id text,
  type text,
  original_queue text NOT NULL,
  category text NOT NULL,
  reason text NOT NULL,
  error text,
  stack text,
  attempts integer NOT NULL,
  body text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  dead_lettered_at timestamptz NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'replayed', 'discarded')),
  replayed_at timestamptz,
  discarded_at timestamptz
);
CREATE INDEX dead_letter_status_idx ON dead_letter (status, id);

CREATE TABLE delivery_attempt (
  delivery_key text PRIMARY KEY,
  queue text NOT NULL,
  deliveries integer NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX delivery_attempt_last_seen_idx ON delivery_attempt (last_seen_at);
`,
    },
    {
      version: 2,
      name: "dead letters keep the envelope's organization",
      // Text, not uuid: a dead letter is kept as it came, even when its envelope is not valid.
      // Bodies that are not JSON (often why they are here) keep no organization: operator-only.
      sql: `
ALTER TABLE dead_letter ADD COLUMN organization_id text;
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT id, body FROM dead_letter LOOP
    BEGIN
      UPDATE dead_letter SET organization_id = lower(left(r.body::jsonb ->> 'organizationId', 200)) WHERE id = r.id;
    EXCEPTION WHEN others THEN NULL;
    END;
  END LOOP;
END $$;
CREATE INDEX dead_letter_organization_idx ON dead_letter (organization_id, id);
`,
    },
  ],
};
