import type { JWK } from 'jose';
import type { Queryable } from '../data/db.js';
import type { SigningKeyStore, StoredSigningKey } from './keys.js';

interface KeyRow {
  kid: string;
  private_jwk: JWK;
  public_jwk: JWK;
  created_at: Date | string;
  retired_at: Date | string | null;
}

/**
 * Signing keys in the issuer's own database. Expects the issuer's migration to have made:
 *
 *   CREATE TABLE signing_key (kid text PRIMARY KEY, private_jwk jsonb NOT NULL, public_jwk jsonb NOT NULL,
 *     created_at timestamptz NOT NULL DEFAULT now(), retired_at timestamptz);
 */
export function dbSigningKeyStore(db: Queryable, table = 'signing_key'): SigningKeyStore {
  if (!/^[a-z_][a-z0-9_]*$/.test(table)) throw new Error(`invalid table name ${table}`);
  return {
    async list() {
      const { rows } = await db.query<KeyRow>(
        `SELECT kid, private_jwk, public_jwk, created_at, retired_at FROM ${table} ORDER BY created_at, kid`,
      );
      return rows.map((r): StoredSigningKey => ({
        kid: r.kid,
        privateJwk: r.private_jwk,
        publicJwk: r.public_jwk,
        createdAt: new Date(r.created_at),
        retiredAt: r.retired_at === null ? null : new Date(r.retired_at),
      }));
    },
    async add(key) {
      await db.query(
        `INSERT INTO ${table} (kid, private_jwk, public_jwk, created_at, retired_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (kid) DO NOTHING`,
        [
          key.kid,
          JSON.stringify(key.privateJwk),
          JSON.stringify(key.publicJwk),
          key.createdAt,
          key.retiredAt ?? null,
        ],
      );
    },
  };
}
