import type { MigrationSource } from '../../data/migrate.js';

/**
 * The in-process broker's own tables, in a database (schema) of its own: the queues each service
 * declared, the bindings of the two exchanges, and the messages waiting in each queue.
 */
export const inProcessBusMigrations: MigrationSource = {
  name: 'platform.bus.inprocess',
  migrations: [
    {
      version: 1,
      name: 'queues, bindings, messages',
      sql: `
CREATE TABLE bus_queue (
  name text PRIMARY KEY,
  service text NOT NULL,
  declared_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bus_binding (
  exchange text NOT NULL,
  routing_key text NOT NULL,
  queue text NOT NULL REFERENCES bus_queue (name),
  PRIMARY KEY (exchange, routing_key, queue)
);
CREATE INDEX bus_binding_queue_idx ON bus_binding (queue);

CREATE TABLE bus_message (
  id bigserial PRIMARY KEY,
  queue text NOT NULL,
  body text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  attempt integer NOT NULL DEFAULT 0,
  -- times this copy was handed out; a consumer that died holding it makes it count again
  deliveries integer NOT NULL DEFAULT 0,
  -- not before this moment: a retry delay, or the lease of the consumer holding it
  visible_at timestamptz NOT NULL DEFAULT now(),
  enqueued_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bus_message_ready_idx ON bus_message (queue, visible_at);
`,
    },
  ],
};
