import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { dbSigningKeyStore } from '#services/common/auth/db-key-store.js';
import { ensureSigningKeys } from '#services/common/auth/keys.js';
import { ConfigError } from '#platform/config/env.js';
import type { Db } from '#platform/data/db.js';
import { backends } from '../data/backends.js';

const KEK_NAME = 'AUTH_KEY_ENCRYPTION_KEY';

async function keyTable(db: Db): Promise<Db> {
  await db.exec(`CREATE TABLE signing_key (
    kid text PRIMARY KEY, private_jwk jsonb NOT NULL, public_jwk jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(), retired_at timestamptz)`);
  return db;
}

/** How the private key lies in the table: a JSON object in the clear, or a JWE string. */
async function storedForm(db: Db): Promise<Array<{ kid: string; form: string; text: string }>> {
  const { rows } = await db.query<{ kid: string; form: string; text: string }>(
    `SELECT kid, jsonb_typeof(private_jwk) AS form, private_jwk::text AS text FROM signing_key ORDER BY kid`,
  );
  return rows;
}

const store = (db: Db, encryptionKey?: Uint8Array) =>
  dbSigningKeyStore(db, { encryptionKeyName: KEK_NAME, encryptionKey });

async function configError(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigError);
  return (err as Error).message;
}

describe.each(backends())('signing keys at rest on $name', (backend) => {
  afterAll(() => backend.close());

  it('with a key-encryption key the private key is stored sealed, and signs again after a restart', async () => {
    const db = await keyTable(await backend.open());
    const kek = randomBytes(32);
    const first = await ensureSigningKeys(store(db, kek));

    const [row] = await storedForm(db);
    expect(row).toMatchObject({ kid: first.active.kid, form: 'string' });
    const { privateJwk } = (await store(db, kek).list())[0]!;
    expect(privateJwk.d).toEqual(expect.any(String));
    // Neither the private exponent nor any JWK member name is readable in the table.
    expect(row!.text).not.toContain(privateJwk.d!);
    expect(row!.text).not.toContain('"d"');

    const again = await ensureSigningKeys(store(db, kek));
    expect(again.active.kid).toBe(first.active.kid);
    expect(await storedForm(db)).toHaveLength(1);
  });

  it('seals a key it finds in the clear once given a key-encryption key', async () => {
    const db = await keyTable(await backend.open());
    const plain = await ensureSigningKeys(store(db));
    expect((await storedForm(db))[0]!.form).toBe('object');

    const kek = randomBytes(32);
    const sealed = await ensureSigningKeys(store(db, kek));
    expect(sealed.active.kid).toBe(plain.active.kid);
    expect((await storedForm(db))[0]!.form).toBe('string');
  });

  it('refuses to start without the key, or with another one, naming the variable', async () => {
    const db = await keyTable(await backend.open());
    const { active } = await ensureSigningKeys(store(db, randomBytes(32)));

    expect(await configError(ensureSigningKeys(store(db)))).toContain(
      `${KEK_NAME}: required, the stored signing key ${active.kid} is sealed with it`,
    );
    expect(await configError(ensureSigningKeys(store(db, randomBytes(32))))).toContain(
      `${KEK_NAME}: does not open the stored signing key ${active.kid}`,
    );
    // Nothing was added or rewritten by the refused starts.
    expect(await storedForm(db)).toEqual([expect.objectContaining({ kid: active.kid, form: 'string' })]);
  });

  it("does not open a sealed key moved to another key's row", async () => {
    const db = await keyTable(await backend.open());
    const kek = randomBytes(32);
    const { active } = await ensureSigningKeys(store(db, kek));
    await db.query(
      `INSERT INTO signing_key (kid, private_jwk, public_jwk, created_at)
       SELECT 'another-kid', private_jwk, public_jwk, created_at - interval '1 minute' FROM signing_key WHERE kid = $1`,
      [active.kid],
    );
    expect(await configError(store(db, kek).list())).toContain(
      'does not open the stored signing key another-kid',
    );
  });
});
