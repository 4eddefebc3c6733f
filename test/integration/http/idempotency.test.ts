import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureSigningKeys, jwksDocument } from '#services/common/auth/keys.js';
import { memorySigningKeyStore } from '../../support/signing-keys.js';
import { createTokenSigner } from '#services/common/auth/signer.js';
import { createTokenVerifier } from '#platform/auth/verifier.js';
import type { Db } from '#platform/data/db.js';
import { runMigrations } from '#platform/data/migrate.js';
import { createHttpApp, type HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { httpMigrations, purgeIdempotencyKeys } from '#platform/http/idempotency-keys.js';
import { PROBLEM_TYPES, unprocessable } from '#platform/http/problem.js';
import { createLogger } from '#platform/observability/logger.js';
import { waitFor } from '../../support/wait.js';
import { backends } from '../data/backends.js';
import { uniqueService } from './observe.js';

const LOCK_TTL_MS = 300;

for (const backend of backends()) {
  describe(`Idempotency-Key on ${backend.name}`, () => {
    let db: Db;
    let app: HttpApp;
    /** Another live process of the same service on the same database. */
    let peer: HttpApp;
    let tokenA: string;
    let tokenB: string;
    /** Handlers wait on this when a test wants a request to stay in progress. */
    let gate: Promise<void> = Promise.resolve();
    let failNext: 'crash' | 'crash-after-commit' | 'unprocessable' | undefined;

    beforeAll(async () => {
      db = await backend.open();
      await runMigrations(db, [
        httpMigrations,
        {
          name: 'test',
          migrations: [
            {
              version: 1,
              name: 'invoices',
              sql: 'CREATE TABLE invoice (id uuid PRIMARY KEY, org text NOT NULL, amount numeric NOT NULL)',
            },
          ],
        },
      ]);
      const keys = await ensureSigningKeys(memorySigningKeyStore());
      const signer = createTokenSigner({ keys, issuer: 'iss', audience: 'aud' });
      const sign = async (org: string) =>
        (await signer.sign({ subject: 'u', organizationId: org, permissions: ['invoices:write'] }))
          .accessToken;
      tokenA = await sign('org-a');
      tokenB = await sign('org-b');
      const build = () => {
        const app = createHttpApp({
          service: uniqueService('sales'),
          log: createLogger('sales', 'silent'),
          auth: {
            verifier: createTokenVerifier({
              issuer: 'iss',
              audience: 'aud',
              keys: { jwks: jwksDocument(keys) },
            }),
          },
          idempotency: { db, lockTtlMs: LOCK_TTL_MS },
        });
        app.post(
          '/api/invoices',
          {
            config: { permission: 'invoices:write', idempotency: 'required' },
            schema: {
              body: z.object({ customerId: z.string(), amount: z.number().positive() }),
              response: { 201: z.object({ id: z.string(), amount: z.number() }) },
            },
          },
          async (req, reply) => {
            await gate;
            const mode = failNext;
            failNext = undefined;
            if (mode === 'crash') throw new Error('database went away');
            if (mode === 'unprocessable') throw unprocessable('customer does not exist');
            const id = randomUUID();
            const body = { id, amount: req.body.amount };
            await db.transaction(async (tx) => {
              await tx.query('INSERT INTO invoice (id, org, amount) VALUES ($1, $2, $3)', [
                id,
                principalOf(req).organizationId,
                req.body.amount,
              ]);
              await req.idempotency?.complete(tx, 201, body);
            });
            if (mode === 'crash-after-commit') throw new Error('crashed before answering');
            return reply.code(201).header('location', `/api/invoices/${id}`).send(body);
          },
        );
        return app;
      };
      app = build();
      peer = build();
      await app.ready();
      await peer.ready();
    });

    afterAll(async () => {
      await peer?.close();
      await app?.close();
      await backend.close();
    });

    const post = (key: string | undefined, body: unknown, token = tokenA, on = app) =>
      on.inject({
        method: 'POST',
        url: '/api/invoices',
        headers: {
          authorization: `Bearer ${token}`,
          ...(key === undefined ? {} : { 'idempotency-key': key }),
        },
        payload: body as object,
      });
    /** The key's claim, once a request holds it. */
    const claimOf = (key: string) =>
      waitFor(`the claim of ${key}`, async () => {
        const { rows } = await db.query<{ owner: string; expired: boolean }>(
          `SELECT owner, locked_until <= now() AS expired FROM idempotency_key
            WHERE key = $1 AND state = 'in_progress'`,
          [key],
        );
        return rows[0];
      });
    const invoices = async () =>
      Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM invoice')).rows[0]!.n);

    it('answers a repeat with the first result and does the work once', async () => {
      const before = await invoices();
      const key = randomUUID();
      const first = await post(key, { customerId: 'c1', amount: 10 });
      const again = await post(key, { amount: 10, customerId: 'c1' });
      expect(first.statusCode).toBe(201);
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.headers['content-type']).toMatch(/^application\/json/);
      expect(first.headers['idempotent-replayed']).toBeUndefined();
      expect(await invoices()).toBe(before + 1);
    });

    it('refuses the same key with a different body (422) and writes nothing', async () => {
      const key = randomUUID();
      expect((await post(key, { customerId: 'c1', amount: 10 })).statusCode).toBe(201);
      const before = await invoices();
      const other = await post(key, { customerId: 'c1', amount: 11 });
      expect(other.statusCode).toBe(422);
      expect(other.json()).toMatchObject({ type: PROBLEM_TYPES.idempotencyKeyReused });
      expect(await invoices()).toBe(before);
    });

    it('requires a well-formed key where the route says so', async () => {
      const missing = await post(undefined, { customerId: 'c1', amount: 10 });
      expect(missing.statusCode).toBe(400);
      expect(missing.json().errors).toEqual([
        { in: 'headers', path: 'idempotency-key', message: 'required' },
      ]);
      expect((await post('x'.repeat(256), { customerId: 'c1', amount: 10 })).statusCode).toBe(400);
      expect((await post('bad key', { customerId: 'c1', amount: 10 })).statusCode).toBe(400);
    });

    it('answers 409 to a duplicate while the first is still in progress', async () => {
      const key = randomUUID();
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      const first = post(key, { customerId: 'c1', amount: 5 });
      await claimOf(key);
      const duplicate = await post(key, { customerId: 'c1', amount: 5 });
      expect(duplicate.statusCode).toBe(409);
      expect(duplicate.json()).toMatchObject({ type: PROBLEM_TYPES.idempotencyInProgress });
      expect(duplicate.headers['retry-after']).toBe('1');
      open();
      gate = Promise.resolve();
      const done = await first;
      expect(done.statusCode).toBe(201);
      const later = await post(key, { customerId: 'c1', amount: 5 });
      expect(later.json()).toEqual(done.json());
    });

    it('frees the key when the request fails on our side, so a retry runs it', async () => {
      const key = randomUUID();
      const before = await invoices();
      failNext = 'crash';
      expect((await post(key, { customerId: 'c1', amount: 7 })).statusCode).toBe(500);
      const retry = await post(key, { customerId: 'c1', amount: 7 });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBeUndefined();
      expect(await invoices()).toBe(before + 1);
    });

    it('keeps the answer recorded in the work transaction even when the process fails before answering', async () => {
      const key = randomUUID();
      const before = await invoices();
      failNext = 'crash-after-commit';
      expect((await post(key, { customerId: 'c1', amount: 8 })).statusCode).toBe(500);
      const retry = await post(key, { customerId: 'c1', amount: 8 });
      expect(retry.statusCode).toBe(201);
      expect(retry.headers['idempotent-replayed']).toBe('true');
      expect(await invoices()).toBe(before + 1);
    });

    it('replays a definitive 4xx answer too', async () => {
      const key = randomUUID();
      failNext = 'unprocessable';
      const first = await post(key, { customerId: 'nope', amount: 1 });
      expect(first.statusCode).toBe(422);
      const again = await post(key, { customerId: 'nope', amount: 1 });
      expect(again.statusCode).toBe(422);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(again.json().detail).toBe('customer does not exist');
    });

    it('scopes keys to the caller: another organization with the same key gets its own result', async () => {
      const key = randomUUID();
      const a = await post(key, { customerId: 'c1', amount: 3 }, tokenA);
      const b = await post(key, { customerId: 'c1', amount: 3 }, tokenB);
      expect(b.statusCode).toBe(201);
      expect(b.headers['idempotent-replayed']).toBeUndefined();
      expect(b.json().id).not.toBe(a.json().id);
    });

    it('lets a retry take over a key held past its lock (an instance that died mid-request)', async () => {
      const key = randomUUID();
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      const stuck = post(key, { customerId: 'c1', amount: 9 });
      await claimOf(key);
      await waitFor('the lock to lapse', async () => (await claimOf(key)).expired);
      gate = Promise.resolve();
      const retry = await post(key, { customerId: 'c1', amount: 9 });
      expect(retry.statusCode).toBe(201);
      open();
      await stuck;
    });

    it('lets a retry take over at once a key whose holding process is gone, lock or not', async () => {
      const key = randomUUID();
      const before = await invoices();
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      const stuck = post(key, { customerId: 'c1', amount: 4 });
      await claimOf(key);
      // The holder stands for a process that died: an owner nobody holds any more.
      await db.query(
        `UPDATE idempotency_key SET owner = $2, locked_until = now() + interval '1 hour' WHERE key = $1`,
        [key, randomUUID()],
      );
      gate = Promise.resolve();
      const retry = await post(key, { customerId: 'c1', amount: 4 });
      expect(retry.statusCode).toBe(201);
      expect(await invoices()).toBe(before + 1);
      open();
      await stuck;
    });

    it('never lets another live process take over a key in progress', async () => {
      const key = randomUUID();
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      const first = post(key, { customerId: 'c1', amount: 6 });
      await claimOf(key);
      const duplicate = await post(key, { customerId: 'c1', amount: 6 }, tokenA, peer);
      expect(duplicate.statusCode).toBe(409);
      open();
      gate = Promise.resolve();
      expect((await first).statusCode).toBe(201);
      const later = await post(key, { customerId: 'c1', amount: 6 }, tokenA, peer);
      expect(later.headers['idempotent-replayed']).toBe('true');
    });

    it('documents the header on the operation', async () => {
      const doc = (await app.inject({ url: '/openapi.json' })).json();
      expect(doc.paths['/api/invoices'].post['x-idempotency-key']).toBe('required');
    });

    it('purges old keys', async () => {
      await db.query(`UPDATE idempotency_key SET created_at = now() - interval '2 days'`);
      expect(await purgeIdempotencyKeys(db)).toBeGreaterThan(0);
      expect((await db.query('SELECT 1 FROM idempotency_key')).rowCount).toBe(0);
    });
  });
}
