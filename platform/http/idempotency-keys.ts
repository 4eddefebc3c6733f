import type { Queryable, Statement } from '../data/db.js';
import { leaseEnd, leaseTerms } from '../data/lease.js';
import type { MigrationSource } from '../data/migrate.js';
import { deleteInChunks } from '../data/prune.js';

/** The idempotency keys' table and its SQL: one row per (caller and route, key). */
export const httpMigrations: MigrationSource = {
  name: 'platform.http',
  migrations: [
    {
      version: 1,
      name: 'idempotency keys',
      sql: `
CREATE TABLE idempotency_key (
  scope text NOT NULL,
  key text NOT NULL,
  request_hash text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_progress', 'completed')),
  locked_until timestamptz NOT NULL,
  status_code integer,
  response_headers jsonb,
  response_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_key_created_at_idx ON idempotency_key (created_at);
`,
    },
    {
      version: 2,
      name: 'idempotency key owner',
      // The process holding a key in progress (see data/presence.ts): a retry may take the key
      // over as soon as that process is gone, not only once the lock lapses.
      sql: `ALTER TABLE idempotency_key ADD COLUMN owner text;`,
    },
  ],
};

export interface KeyRow {
  owner: string | null;
  request_hash: string;
  state: 'in_progress' | 'completed';
  locked: boolean;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

/** Stores the answer a replay repeats and marks the key completed. */
export async function recordAnswer(q: Queryable, scope: string, key: string, answer: Answer): Promise<void> {
  const { sql, params } = answerStatement(scope, key, answer);
  await q.query(sql, params);
}

interface Answer {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

/** The statement `recordAnswer` runs, for a transaction to send with its COMMIT. */
export function answerStatement(scope: string, key: string, answer: Answer): Statement {
  return {
    sql: `UPDATE idempotency_key SET state = 'completed', status_code = $3, response_body = $4,
            response_headers = $5, completed_at = now()
      WHERE scope = $1 AND key = $2`,
    params: [scope, key, answer.statusCode, answer.body, JSON.stringify(answer.headers)],
  };
}

/** A request in progress holds its key until `locked_until` (or until its process is gone). */
const keyLease = leaseTerms({ table: 'idempotency_key', owner: 'owner', until: 'locked_until' });

/** Claims a new key for `owner`; false when the key exists (completed, or in progress elsewhere). */
export async function claimKey(
  q: Queryable,
  k: { scope: string; key: string; hash: string; owner: string; lockTtlMs: number },
): Promise<boolean> {
  const inserted = await q.query(
    `INSERT INTO idempotency_key (scope, key, request_hash, state, locked_until, owner)
     VALUES ($1, $2, $3, 'in_progress', ${leaseEnd('$4')}, $5)
     ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
    [k.scope, k.key, k.hash, k.lockTtlMs, k.owner],
  );
  return inserted.rowCount === 1;
}

export async function readKey(q: Queryable, scope: string, key: string): Promise<KeyRow | undefined> {
  const { rows } = await q.query<KeyRow>(
    `SELECT owner, request_hash, state, NOT ${keyLease.free()} AS locked, status_code, response_headers, response_body
       FROM idempotency_key WHERE scope = $1 AND key = $2`,
    [scope, key],
  );
  return rows[0];
}

/**
 * Takes over a key in progress for `owner` when its lock lapsed, or from `goneHolder` (a process
 * known to be dead). Conditional on the row still being as read, so of two retries at once one wins.
 */
export async function takeOverKey(
  q: Queryable,
  k: { scope: string; key: string; hash: string; owner: string; lockTtlMs: number },
  goneHolder: string | null,
): Promise<boolean> {
  const taken = await q.query(
    `UPDATE idempotency_key SET ${keyLease.take('$5', '$3')}
      WHERE scope = $1 AND key = $2 AND request_hash = $4 AND state = 'in_progress'
        AND (${keyLease.free()} OR ($6::text IS NOT NULL AND ${keyLease.heldBy('$6')}))
      RETURNING key`,
    [k.scope, k.key, k.lockTtlMs, k.hash, k.owner, goneHolder],
  );
  return taken.rowCount === 1;
}

/** Frees a key whose request did nothing (or failed), so a retry runs it again. */
export async function releaseKey(q: Queryable, scope: string, key: string): Promise<void> {
  await q.query(`DELETE FROM idempotency_key WHERE scope = $1 AND key = $2 AND state = 'in_progress'`, [
    scope,
    key,
  ]);
}

/** Deletes keys older than `olderThanMs` (default one day); run it from a scheduled job. */
export function purgeIdempotencyKeys(db: Queryable, olderThanMs = 24 * 3600 * 1000): Promise<number> {
  return deleteInChunks(db, 'idempotency_key', 'scope, key', 'created_at', olderThanMs);
}
