import type { Db } from '#platform/data/db.js';
import { counter } from '#platform/observability/metrics.js';
import type { AuthConfig } from './config.js';

/**
 * Sign-in throttling (OWASP authentication cheat sheet): failures are counted per account (the
 * email asked for, existing or not, so the answers cannot tell which exist) and per client
 * address. Each attempt is counted before its password is checked (claimAttempt), so parallel
 * guesses cannot outrun the lock. Past SIGN_IN_SLOW_AFTER an account's answers slow down; past the
 * lock thresholds the key is locked for SIGN_IN_LOCK_SECONDS and sign-ins answer 429 without
 * checking the password.
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

export interface Claimed {
  /** Set when the account or the address is locked: refuse without checking the password. */
  lock?: { seconds: number; scope: string };
  /** The account's failures in the window, this attempt included. */
  accountFailures: number;
}

interface Counted {
  failures: number;
  locked: boolean;
  seconds: number;
  justLocked: boolean;
}

/**
 * Counts this attempt as a failure of `key` before the password is checked, in one statement that
 * also says whether the key is locked: parallel guesses each take a number, and only the first
 * `lockAfter` get a password check. Past them the key locks; while locked nothing more is counted.
 * A lock that ran out starts the count over, as does a window that ran out.
 */
async function claim(db: Db, key: string, lockAfter: number, policy: ThrottlePolicy): Promise<Counted> {
  const { rows } = await db.query<{
    failures: number;
    locked: boolean;
    seconds: number;
    just_locked: boolean;
  }>(
    `INSERT INTO sign_in_throttle AS t (key, failures, window_started_at) VALUES ($1, 1, now())
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.locked_until > now() THEN t.failures
                       WHEN t.locked_until IS NOT NULL OR t.window_started_at < now() - $2 * interval '1 second' THEN 1
                       ELSE t.failures + 1 END,
       window_started_at = CASE WHEN t.locked_until > now() THEN t.window_started_at
                                WHEN t.locked_until IS NOT NULL OR t.window_started_at < now() - $2 * interval '1 second' THEN now()
                                ELSE t.window_started_at END,
       locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until
                           WHEN t.locked_until IS NULL AND t.window_started_at >= now() - $2 * interval '1 second'
                                AND t.failures + 1 > $3 THEN now() + $4 * interval '1 second'
                           ELSE NULL END
     RETURNING failures,
               coalesce(locked_until > now(), false) AS locked,
               coalesce(ceil(extract(epoch FROM locked_until - now())), 0)::int AS seconds,
               coalesce(locked_until = now() + $4 * interval '1 second', false) AS just_locked`,
    [key, policy.SIGN_IN_WINDOW_SECONDS, lockAfter, policy.SIGN_IN_LOCK_SECONDS],
  );
  const row = rows[0]!;
  return { failures: row.failures, locked: row.locked, seconds: row.seconds, justLocked: row.just_locked };
}

/** Gives back a counted attempt that turned out not to be a failure (refused for the other key, or right). */
async function giveBack(db: Db, key: string): Promise<void> {
  await db.query(
    `UPDATE sign_in_throttle SET failures = greatest(failures - 1, 0)
      WHERE key = $1 AND (locked_until IS NULL OR locked_until <= now())`,
    [key],
  );
}

/**
 * Takes this attempt's place in its account's and address's counts, before any password check,
 * and says whether either is locked (then the attempt is refused and counted nowhere).
 */
export async function claimAttempt(db: Db, attempt: Attempt, policy: ThrottlePolicy): Promise<Claimed> {
  const account = await claim(db, accountKey(attempt.email), policy.SIGN_IN_ACCOUNT_LOCK_AFTER, policy);
  if (account.justLocked) signInMetrics.locks.inc({ scope: 'account' });
  if (account.locked)
    return {
      lock: { seconds: Math.max(1, account.seconds), scope: 'account' },
      accountFailures: account.failures,
    };
  const address = await claim(db, addressKey(attempt.address), policy.SIGN_IN_ADDRESS_LOCK_AFTER, policy);
  if (address.justLocked) signInMetrics.locks.inc({ scope: 'address' });
  if (address.locked) {
    await giveBack(db, accountKey(attempt.email));
    return {
      lock: { seconds: Math.max(1, address.seconds), scope: 'address' },
      accountFailures: account.failures,
    };
  }
  return { accountFailures: account.failures };
}

/** A failed sign-in (already counted by claimAttempt): recorded; returns how long to hold the answer (ms). */
export async function recordFailure(
  db: Db,
  attempt: Attempt & { userId?: string },
  accountFailures: number,
  policy: ThrottlePolicy,
): Promise<number> {
  signInMetrics.failed.inc();
  await recordEvent(db, attempt, 'failed');
  const beyond = accountFailures - policy.SIGN_IN_SLOW_AFTER + 1;
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

/**
 * A successful sign-in clears its account's count and gives back the address's one attempt (not
 * the address's whole count: one good account must not reset a guesser).
 */
export async function recordSuccess(db: Db, attempt: Attempt): Promise<void> {
  await db.query('DELETE FROM sign_in_throttle WHERE key = $1', [accountKey(attempt.email)]);
  await giveBack(db, addressKey(attempt.address));
}

async function recordEvent(db: Db, attempt: Attempt & { userId?: string }, outcome: 'failed' | 'locked') {
  await db.query('INSERT INTO sign_in_event (email, address, user_id, outcome) VALUES ($1, $2, $3, $4)', [
    attempt.email.trim().toLowerCase().slice(0, 320),
    attempt.address,
    attempt.userId ?? null,
    outcome,
  ]);
}
