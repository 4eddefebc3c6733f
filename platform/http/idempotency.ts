import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { Db, Queryable, Tx } from '../data/db.js';
import { leaseEnd, leaseTerms } from '../data/lease.js';
import type { MigrationSource } from '../data/migrate.js';
import { holdPresence } from '../data/presence.js';
import { deleteInChunks } from '../data/prune.js';
import { PROBLEM_TYPES, ProblemError, validationFailed } from './problem.js';
import './route-config.js';

/**
 * `Idempotency-Key` on creating requests: the same key with the same request answers with the
 * first result (replayed, `Idempotent-Replayed: true`); the same key with a different request is a
 * 422; a duplicate while the first is still running is a 409. Keys live in the service's own
 * database, scoped to the caller (organization + subject) and the route.
 */
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

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const KEY = /^[\x21-\x7e]{1,255}$/;
/** Headers of the first answer that a replay repeats. */
const KEPT_HEADERS = ['content-type', 'location'];

export interface IdempotencyOptions {
  db: Db;
  /**
   * How long a request in progress holds its key before a retry may take it over even though its
   * process still looks alive (default 60 s). A retry takes over at once when it is gone.
   */
  lockTtlMs?: number;
}

/** What a handler gets on `request.idempotency` when the request carries a key. */
export interface IdempotencyHandle {
  readonly key: string;
  /**
   * Records the answer inside the handler's own transaction, so the effect and its idempotency
   * record commit together (a crash between them cannot make a retry repeat the effect).
   */
  complete(tx: Tx, statusCode: number, body: unknown): Promise<void>;
}

interface KeyRow {
  owner: string | null;
  request_hash: string;
  state: 'in_progress' | 'completed';
  locked: boolean;
  status_code: number | null;
  response_headers: Record<string, string> | null;
  response_body: string | null;
}

interface Claim extends IdempotencyHandle {
  scope: string;
  committed: boolean;
}

/** Canonical JSON: object keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(canonical({ params: request.params, query: request.query, body: request.body }))
    .digest('hex');
}

function scopeOf(request: FastifyRequest): string {
  const p = request.principal;
  return `${p?.organizationId ?? '-'}|${p?.subject ?? '-'}|${request.method} ${request.routeOptions.url ?? ''}`;
}

/** Stores the answer a replay repeats and marks the key completed. */
async function recordAnswer(
  q: Queryable,
  scope: string,
  key: string,
  answer: { statusCode: number; body: string; headers: Record<string, string> },
): Promise<void> {
  await q.query(
    `UPDATE idempotency_key SET state = 'completed', status_code = $3, response_body = $4,
            response_headers = $5, completed_at = now()
      WHERE scope = $1 AND key = $2`,
    [scope, key, answer.statusCode, answer.body, JSON.stringify(answer.headers)],
  );
}

/** A request in progress holds its key until `locked_until` (or until its process is gone). */
const keyLease = leaseTerms({ table: 'idempotency_key', owner: 'owner', until: 'locked_until' });

const replayable = (status: number) => status < 500 && status !== 409 && status !== 429;

async function idempotency(app: FastifyInstance, opts: IdempotencyOptions & { log: Logger }): Promise<void> {
  const { db, log } = opts;
  const lockTtlMs = opts.lockTtlMs ?? 60_000;
  app.decorateRequest('idempotency', undefined);
  const presence = await holdPresence(db, log);
  app.addHook('onClose', async () => presence.close());

  const claim = async (scope: string, key: string, hash: string): Promise<boolean> => {
    const inserted = await db.query(
      `INSERT INTO idempotency_key (scope, key, request_hash, state, locked_until, owner)
       VALUES ($1, $2, $3, 'in_progress', ${leaseEnd('$4')}, $5)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, hash, lockTtlMs, presence.owner],
    );
    return inserted.rowCount === 1;
  };

  /**
   * Takes over a key in progress whose holder is gone (its owner's process died) or whose lock
   * lapsed. Conditional on the row still being as read, so of two retries at once one wins.
   */
  const takeOver = async (scope: string, key: string, hash: string, row: KeyRow): Promise<boolean> => {
    const holderGone = row.owner !== null && (await presence.isGone(row.owner));
    if (row.locked && !holderGone) return false;
    const taken = await db.query(
      `UPDATE idempotency_key SET ${keyLease.take('$5', '$3')}
        WHERE scope = $1 AND key = $2 AND request_hash = $4 AND state = 'in_progress'
          AND (${keyLease.free()} OR ($6::text IS NOT NULL AND ${keyLease.heldBy('$6')}))
        RETURNING key`,
      [scope, key, lockTtlMs, hash, presence.owner, holderGone ? row.owner : null],
    );
    return taken.rowCount === 1;
  };

  const replay = (reply: FastifyReply, row: KeyRow): FastifyReply =>
    reply
      .code(row.status_code ?? 200)
      .headers({ ...row.response_headers, 'idempotent-replayed': 'true' })
      .send(row.response_body ?? '');

  app.addHook('preHandler', async (request, reply) => {
    const mode = request.routeOptions.config.idempotency;
    if (mode === undefined) return;
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined) {
      if (mode === 'required') {
        throw validationFailed([{ in: 'headers', path: IDEMPOTENCY_HEADER, message: 'required' }]);
      }
      return;
    }
    if (typeof raw !== 'string' || !KEY.test(raw)) {
      throw validationFailed([
        { in: 'headers', path: IDEMPOTENCY_HEADER, message: 'expected 1-255 visible ASCII characters' },
      ]);
    }
    const scope = scopeOf(request);
    const hash = requestHash(request);
    if (!(await claim(scope, raw, hash))) {
      const { rows } = await db.query<KeyRow>(
        `SELECT owner, request_hash, state, NOT ${keyLease.free()} AS locked, status_code, response_headers, response_body
           FROM idempotency_key WHERE scope = $1 AND key = $2`,
        [scope, raw],
      );
      const row = rows[0];
      if (row && row.request_hash !== hash) {
        throw new ProblemError({
          type: PROBLEM_TYPES.idempotencyKeyReused,
          title: 'Idempotency key reused',
          status: 422,
          detail: 'This Idempotency-Key was already used with a different request.',
        });
      }
      if (row?.state === 'completed') return replay(reply, row);
      if (!row || !(await takeOver(scope, raw, hash, row))) {
        throw new ProblemError(
          {
            type: PROBLEM_TYPES.idempotencyInProgress,
            title: 'Request in progress',
            status: 409,
            detail: 'A request with this Idempotency-Key is still being processed; retry later.',
          },
          { headers: { 'retry-after': '1' } },
        );
      }
    }
    const handle: Claim = {
      key: raw,
      scope,
      committed: false,
      async complete(tx, statusCode, body) {
        await recordAnswer(tx, scope, raw, {
          statusCode,
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        tx.afterCommit(() => {
          handle.committed = true;
        });
      },
    };
    request.idempotency = handle;
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const handle = request.idempotency as Claim | undefined;
    if (!handle) return payload;
    try {
      if (
        replayable(reply.statusCode) &&
        (typeof payload === 'string' || Buffer.isBuffer(payload) || payload == null)
      ) {
        const headers: Record<string, string> = {};
        for (const name of KEPT_HEADERS) {
          const v = reply.getHeader(name);
          if (v !== undefined) headers[name] = String(v);
        }
        await recordAnswer(db, handle.scope, handle.key, {
          statusCode: reply.statusCode,
          body: payload == null ? '' : payload.toString(),
          headers,
        });
      } else if (!handle.committed) {
        // Nothing was done (or it failed): free the key so a retry runs the request again.
        await db.query(
          `DELETE FROM idempotency_key WHERE scope = $1 AND key = $2 AND state = 'in_progress'`,
          [handle.scope, handle.key],
        );
      }
    } catch (err) {
      log.error({ err, key: handle.key }, 'could not record the idempotent answer');
    }
    return payload;
  });
}

/** Keys are scoped to the caller, so the principal authentication sets must be there first. */
export const idempotencyPlugin = fp(idempotency, {
  name: 'dhanman-idempotency',
  fastify: '5.x',
  dependencies: ['dhanman-authentication'],
});

/** Deletes keys older than `olderThanMs` (default one day); run it from a scheduled job. */
export function purgeIdempotencyKeys(db: Queryable, olderThanMs = 24 * 3600 * 1000): Promise<number> {
  return deleteInChunks(db, 'idempotency_key', 'scope, key', 'created_at', olderThanMs);
}
