import type { Db } from '#platform/data/db.js';
import { counter } from '#platform/observability/metrics.js';
import type { AuthConfig } from './config.js';

/**
 * Sign-in throttling (OWASP authentication cheat sheet): failures are counted per account (the
 * email asked for, existing or not, so the answers cannot tell which exist) and per client
 * address. Past SIGN_IN_SLOW_AFTER an account's answers slow down; at the lock thresholds the key
 * is locked for SIGN_IN_LOCK_SECONDS and sign-ins answer 429 without checking the password.
 */
export type ThrottlePolicy = Pick<
  AuthConfig,
  | 'SIGN_IN_WINDOW_SECONDS'
  | 'SIGN_IN_SLOW_AFTER'
  | 'SIGN_IN_SLOW_DELAY_MS'
  | 'SIGN_IN_ACCOUNT_LOCK_AFTER'
  | 'SIGN_IN_ADDRESS_LOCK_AFTER'
  | 'SIGN_IN_LOCK_SECONDS'
>;

const MAX_SLOW_DOWN_MS = 5000;

export const signInMetrics = {
  failed: counter('dhanman_sign_in_failures_total', 'Sign-ins refused for a wrong email or password', []),
  locked: counter(
    'dhanman_sign_in_locked_total',
    'Sign-ins refused because the account or address is locked',
    ['scope'],
  ),
  locks: counter('dhanman_sign_in_locks_total', 'Locks placed on an account or address', ['scope']),
};

export interface Attempt {
  email: string;
  address: string;
}

const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
const addressKey = (address: string) => `address:${address}`;

/** Seconds until the attempt may be made again when its account or address is locked, else undefined. */
export async function lockedFor(
  db: Db,
  attempt: Attempt,
): Promise<{ seconds: number; scope: string } | undefined> {
  const { rows } = await db.query<{ key: string; seconds: string }>(
    `SELECT key, ceil(extract(epoch FROM locked_until - now()))::text AS seconds
       FROM sign_in_throttle WHERE key = ANY($1) AND locked_until > now()`,
    [[accountKey(attempt.email), addressKey(attempt.address)]],
  );
  if (rows.length === 0) return undefined;
  const seconds = Math.max(1, ...rows.map((r) => Number(r.seconds)));
  return { seconds, scope: rows.length > 1 ? 'both' : rows[0]!.key.split(':')[0]! };
}

async function countFailure(db: Db, key: string, lockAfter: number, policy: ThrottlePolicy): Promise<number> {
  const { rows } = await db.query<{ failures: number }>(
    `INSERT INTO sign_in_throttle (key, failures, window_started_at) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN sign_in_throttle.window_started_at < now() - $2 * interval '1 second'
                       THEN 1 ELSE sign_in_throttle.failures + 1 END,
       window_started_at = CASE WHEN sign_in_throttle.window_started_at < now() - $2 * interval '1 second'
                                THEN now() ELSE sign_in_throttle.window_started_at END
     RETURNING failures`,
    [key, policy.SIGN_IN_WINDOW_SECONDS],
  );
  const failures = rows[0]!.failures;
  if (failures >= lockAfter) {
    // Locked, and counting starts over: after the lock lapses the next sign-in gets a fair try.
    await db.query(
      `UPDATE sign_in_throttle SET locked_until = now() + $2 * interval '1 second', failures = 0,
              window_started_at = now() WHERE key = $1`,
      [key, policy.SIGN_IN_LOCK_SECONDS],
    );
    signInMetrics.locks.inc({ scope: key.split(':')[0]! });
  }
  return failures;
}

/** Counts a failed sign-in for its account and address; returns how long to hold the answer (ms). */
export async function recordFailure(
  db: Db,
  attempt: Attempt & { userId?: string },
  policy: ThrottlePolicy,
): Promise<number> {
  signInMetrics.failed.inc();
  await recordEvent(db, attempt, 'failed');
  const account = await countFailure(
    db,
    accountKey(attempt.email),
    policy.SIGN_IN_ACCOUNT_LOCK_AFTER,
    policy,
  );
  await countFailure(db, addressKey(attempt.address), policy.SIGN_IN_ADDRESS_LOCK_AFTER, policy);
  const beyond = account - policy.SIGN_IN_SLOW_AFTER + 1;
  return beyond > 0 ? Math.min(MAX_SLOW_DOWN_MS, beyond * policy.SIGN_IN_SLOW_DELAY_MS) : 0;
}

export async function recordLocked(
  db: Db,
  attempt: Attempt & { userId?: string },
  scope: string,
): Promise<void> {
  signInMetrics.locked.inc({ scope });
  await recordEvent(db, attempt, 'locked');
}

/** A successful sign-in clears its account's count (not its address's: one good account must not reset a guesser). */
export async function recordSuccess(db: Db, attempt: Attempt): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE key = $1', [accountKey(attempt.email)]);
}

async function recordEvent(db: Db, attempt: Attempt & { userId?: string }, outcome: 'failed' | 'locked') {
  await db.query('INSERT INTO sign_in_event (email, address, user_id, outcome) VALUES ($1, $2, $3, $4)', [
    attempt.email.trim().toLowerCase().slice(0, 320),
    attempt.address,
    attempt.userId ?? null,
    outcome,
  ]);
}
