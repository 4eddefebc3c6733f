import type { MigrationSource } from '../data/migrate.js';
import { upsertReplica } from '../data/replica.js';
import { on, type MessageHandler } from '../messaging/bus.js';
import type { UserFeed } from '../messaging/user-feed.js';
import { handlerRenameSql } from '../messaging/handler-names.js';
import type { ServiceDeps } from './service-definition.js';

export type { UserFeed };

/** The one table every service that keeps users has: same columns, same default, same index. */
const USER_REPLICA_TABLE = `
CREATE TABLE IF NOT EXISTS user_replica (
  id uuid PRIMARY KEY,
  organization_id uuid NOT NULL,
  email text NOT NULL,
  name text NOT NULL,
  roles text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
-- Databases made before this source existed created the table themselves, one without the default.
ALTER TABLE user_replica ALTER COLUMN updated_at SET DEFAULT now();
CREATE INDEX IF NOT EXISTS user_replica_org_idx ON user_replica (organization_id);
`;

/** The handler's name: `<service>.users.<fact>` like every other handler. */
export const userReplicaHandlerName = (service: string, feed: UserFeed): string =>
  `${service}.users.${feed.contract.type.slice(feed.contract.type.indexOf('.') + 1)}`;

/**
 * The user replica's migrations for one service. Version 1 also carries the inbox rows and dead
 * letters of the handlers services wrote themselves before (`replicate-user`,
 * `<service>.replica.user`) over to the host's name, so a redelivered UserCreated is recognised.
 */
export function userReplicaMigrations(service: string, feed: UserFeed): MigrationSource {
  const name = userReplicaHandlerName(service, feed);
  return {
    name: 'platform.user-replica',
    migrations: [
      {
        version: 1,
        name: 'user_replica, handler renamed',
        sql:
          USER_REPLICA_TABLE +
          handlerRenameSql({ 'replicate-user': name, [`${service}.replica.user`]: name }),
      },
    ],
  };
}

/** The replica's handler, registered by the host for a service that declares `users`. */
export function userReplicaHandler(service: string, feed: UserFeed): MessageHandler {
  return on(feed.contract, userReplicaHandlerName(service, feed), (m, tx) =>
    upsertReplica(tx, 'user_replica', feed.row(m), m.occurredAt),
  );
}

/** Every handler the host registers for a service: what it declares (`users`) and its own. */
export function serviceHandlers(
  def: { name: string; users?: UserFeed | undefined; handlers?(deps: ServiceDeps): MessageHandler[] },
  deps: ServiceDeps,
): MessageHandler[] {
  return [...(def.users ? [userReplicaHandler(def.name, def.users)] : []), ...(def.handlers?.(deps) ?? [])];
}
