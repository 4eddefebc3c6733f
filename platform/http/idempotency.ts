import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import type { Db, Tx } from '../data/db.js';
import { holdPresence } from '../data/presence.js';
import {
  answerStatement,
  claimKey,
  readKey,
  recordAnswer,
  releaseKey,
  takeOverKey,
  type KeyRow,
} from './idempotency-keys.js';
import { PROBLEM_TYPES, ProblemError, validationFailed } from './problem.js';
import { requestHash, scopeOf } from './request-hash.js';
import './route-config.js';

/**
 * `Idempotency-Key` on creating requests: the same key with the same request answers with the
 * first result (replayed, `Idempotent-Replayed: true`); the same key with a different request is a
 * 422; a duplicate while the first is still running is a 409. Keys live in the service's own
 * database (`idempotency-keys.ts`), scoped to the caller (organization + subject) and the route.
 */

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

interface Claim extends IdempotencyHandle {
  scope: string;
  committed: boolean;
}

const replayable = (status: number) => status < 500 && status !== 409 && status !== 429;

async function idempotency(app: FastifyInstance, opts: IdempotencyOptions & { log: Logger }): Promise<void> {
  const { db, log } = opts;
  const lockTtlMs = opts.lockTtlMs ?? 60_000;
  app.decorateRequest('idempotency', undefined);
  const presence = await holdPresence(db, log);
  app.addHook('onClose', async () => presence.close());

  const claim = (scope: string, key: string, hash: string) =>
    claimKey(db, { scope, key, hash, owner: presence.owner, lockTtlMs });

  /** Takes over a key in progress whose holder is gone (its process died) or whose lock lapsed. */
  const takeOver = async (scope: string, key: string, hash: string, row: KeyRow): Promise<boolean> => {
    const holderGone = row.owner !== null && (await presence.isGone(row.owner));
    if (row.locked && !holderGone) return false;
    const k = { scope, key, hash, owner: presence.owner, lockTtlMs };
    return takeOverKey(db, k, holderGone ? row.owner : null);
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
      const row = await readKey(db, scope, raw);
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
      complete(tx, statusCode, body) {
        // With the COMMIT: nothing in the transaction reads it back.
        const answer = answerStatement(scope, raw, {
          statusCode,
          body: JSON.stringify(body),
          headers: { 'content-type': 'application/json; charset=utf-8' },
        });
        tx.beforeCommit(() => answer);
        tx.afterCommit(() => {
          handle.committed = true;
        });
        return Promise.resolve();
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
        await releaseKey(db, handle.scope, handle.key);
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
