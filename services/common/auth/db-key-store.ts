import type { JWK } from 'jose';
import { ConfigError } from '#platform/config/env.js';
import type { Queryable } from '#platform/data/db.js';
import type { SigningKeyStore, StoredSigningKey } from './keys.js';
import { openPrivateJwk, sealPrivateJwk } from './key-sealing.js';

interface KeyRow {
  kid: string;
  /** A JWK object in the clear, or a JWE string when sealed. */
  private_jwk: JWK | string;
  public_jwk: JWK;
  created_at: Date;
  retired_at: Date | null;
}

const TABLE = 'signing_key';

export interface DbSigningKeyStoreOptions {
  /**
   * 32 bytes: private keys are stored sealed under it (`key-sealing.ts`), and keys found in the
   * clear are sealed on the next `list()`. Without it keys are stored in the clear, and sealed
   * ones cannot be read.
   */
  encryptionKey?: Uint8Array;
  /** The variable that holds the key, to name it in errors. */
  encryptionKeyName?: string;
}

/**
 * Signing keys in the issuer's own database. Expects the issuer's migration to have made:
 *
 *   CREATE TABLE signing_key (kid text PRIMARY KEY, private_jwk jsonb NOT NULL, public_jwk jsonb NOT NULL,
 *     created_at timestamptz NOT NULL DEFAULT now(), retired_at timestamptz);
 */
export function dbSigningKeyStore(db: Queryable, opts: DbSigningKeyStoreOptions = {}): SigningKeyStore {
  const kek = opts.encryptionKey;
  const kekName = opts.encryptionKeyName ?? 'the key-encryption key';
  if (kek && kek.length !== 32) throw new Error(`${kekName} must be 32 bytes (got ${kek.length})`);

  const privateOf = async (row: KeyRow): Promise<JWK> => {
    if (typeof row.private_jwk !== 'string') {
      if (kek) {
        // Sealed where it lies; a concurrent start sealing it too writes the same key.
        const sealed = await sealPrivateJwk(row.private_jwk, row.kid, kek);
        await db.query(`UPDATE ${TABLE} SET private_jwk = $2 WHERE kid = $1`, [
          row.kid,
          JSON.stringify(sealed),
        ]);
      }
      return row.private_jwk;
    }
    if (!kek) {
      throw new ConfigError([`${kekName}: required, the stored signing key ${row.kid} is sealed with it`]);
    }
    const jwk = await openPrivateJwk(row.private_jwk, row.kid, kek);
    if (!jwk) {
      throw new ConfigError([
        `${kekName}: does not open the stored signing key ${row.kid} (it was sealed with another key)`,
      ]);
    }
    return jwk;
  };

  return {
    async list() {
      const { rows } = await db.query<KeyRow>(
        `SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM ${TABLE} ORDER BY created_at, kid`,
      );
      const keys: StoredSigningKey[] = [];
      for (const r of rows) {
        keys.push({
          kid: r.kid,
          privateJwk: await privateOf(r),
          publicJwk: r.public_jwk,
          createdAt: r.created_at,
          retiredAt: r.retired_at,
        });
      }
      return keys;
    },
    async add(key) {
      const privateJwk = kek ? await sealPrivateJwk(key.privateJwk, key.kid, kek) : key.privateJwk;
      await db.query(
        `INSERT INTO ${TABLE} (kid, private_jwk, public_jwk, created_at, retired_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING`,
        [
          key.kid,
          JSON.stringify(privateJwk),
          JSON.stringify(key.publicJwk),
          key.createdAt,
          key.retiredAt ?? null,
        ],
      );
    },
  };
}
