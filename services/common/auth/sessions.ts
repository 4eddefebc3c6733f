import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db, Queryable } from '#platform/data/db.js';
import { counter } from '#platform/observability/metrics.js';

/**
 * Sessions as families of refresh tokens (OWASP session management: rotation with reuse
 * detection). Only SHA-256 hashes are stored: the tokens are 256 random bits, so a plain hash is
 * enough and a copy of the table gives no usable token.
 */
const reuseDetected = counter(
  'dhanman_refresh_token_reuse_total',
  'Refresh tokens presented again after use (their session is revoked)',
  [],
);

export interface IssuedRefreshToken {
  refreshToken: string;
  refreshExpiresIn: number;
}

const PREFIX = 'rt_';

export const hashRefreshToken = (token: string) => createHash('sha256').update(token).digest('hex');

async function insertToken(
  q: Queryable,
  row: { familyId: string; userId: string; expiresAt: string | Date },
): Promise<string> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  await q.query(
    `INSERT INTO refresh_token (id, family_id, user_id, token_hash, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [randomUUID(), row.familyId, row.userId, hashRefreshToken(token), row.expiresAt],
  );
  return token;
}

/** Starts a session at sign-in: the first token of a new family, valid `ttlSeconds` at most. */
export async function startSession(db: Db, userId: string, ttlSeconds: number): Promise<IssuedRefreshToken> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const refreshToken = await insertToken(db, { familyId: randomUUID(), userId, expiresAt });
  return { refreshToken, refreshExpiresIn: ttlSeconds };
}

export type RotationResult =
  | { ok: true; userId: string; organizationId: string; refreshToken: string; refreshExpiresIn: number }
  | { ok: false; reason: 'unknown' | 'revoked' | 'expired' | 'reused' };

interface TokenRow {
  family_id: string;
  user_id: string;
  organization_id: string;
  expires_at: Date | string;
  used_at: Date | null;
  revoked_at: Date | null;
  seconds_left: string;
}

/**
 * Uses a refresh token up and hands out its successor in the same family, which keeps the
 * family's absolute expiry. A token already used revokes the family (a copy is loose); revoked,
 * expired or unknown tokens change nothing.
 */
export async function rotate(db: Db, token: string): Promise<RotationResult> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<TokenRow>(
      `SELECT t.family_id, t.user_id, u.organization_id, t.expires_at, t.used_at, t.revoked_at,
              extract(epoch FROM t.expires_at - now())::text AS seconds_left
         FROM refresh_token t JOIN app_user u ON u.id = t.user_id
        WHERE t.token_hash = $1 FOR UPDATE OF t`,
      [hashRefreshToken(token)],
    );
    const row = rows[0];
    if (!row) return { ok: false, reason: 'unknown' };
    if (row.revoked_at) return { ok: false, reason: 'revoked' };
    if (row.used_at) {
      reuseDetected.inc();
      await revokeFamily(tx, row.family_id, 'reuse');
      return { ok: false, reason: 'reused' };
    }
    const left = Math.floor(Number(row.seconds_left));
    if (left <= 0) return { ok: false, reason: 'expired' };
    await tx.query('UPDATE refresh_token SET used_at = now() WHERE token_hash = $1', [
      hashRefreshToken(token),
    ]);
    const refreshToken = await insertToken(tx, {
      familyId: row.family_id,
      userId: row.user_id,
      expiresAt: row.expires_at,
    });
    return {
      ok: true,
      userId: row.user_id,
      organizationId: row.organization_id,
      refreshToken,
      refreshExpiresIn: left,
    };
  });
}

export async function revokeFamily(q: Queryable, familyId: string, reason: string): Promise<number> {
  const res = await q.query(
    'UPDATE refresh_token SET revoked_at = now(), revoked_reason = $2 WHERE family_id = $1 AND revoked_at IS NULL',
    [familyId, reason],
  );
  return res.rowCount;
}

/** Sign-out: ends the session the token belongs to (nothing happens for an unknown token). */
export async function endSession(db: Db, token: string): Promise<void> {
  const { rows } = await db.query<{ family_id: string }>(
    'SELECT family_id FROM refresh_token WHERE token_hash = $1',
    [hashRefreshToken(token)],
  );
  if (rows[0]) await revokeFamily(db, rows[0].family_id, 'sign-out');
}

/** Ends every session of a user (an admin's decision, or the user is deactivated); the count of sessions ended. */
export async function revokeUserSessions(q: Queryable, userId: string, reason: string): Promise<number> {
  const { rows } = await q.query<{ family_id: string }>(
    `UPDATE refresh_token SET revoked_at = now(), revoked_reason = $2
      WHERE user_id = $1 AND revoked_at IS NULL RETURNING family_id`,
    [userId, reason],
  );
  return new Set(rows.map((r) => r.family_id)).size;
}
