import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Session } from './db.js';

/**
 * Whether the process that wrote a claim (an idempotency key in progress, say) is still alive.
 * Each process is an `owner` (a random id). On PostgreSQL it holds a session advisory lock on that
 * id for its whole life on a connection of its own: the server drops the lock the moment the
 * connection does, so a killed process is seen as gone at once, and a live one (however slow) never.
 * On PGlite the data belongs to one process, so any owner other than this one is a previous run.
 */
export interface Presence {
  readonly owner: string;
  /** True when `owner`'s process has certainly stopped. Never true for this process. */
  isGone(owner: string): Promise<boolean>;
  close(): Promise<void>;
}

const LOCK_KEY = 'hashtextextended($1, 0)';
/** On PGlite, one owner for the whole process: apps sharing its instance are all alive together. */
const PROCESS_OWNER = randomUUID();

export async function holdPresence(db: Db, log?: Logger): Promise<Presence> {
  if (!db.openSession) {
    return { owner: PROCESS_OWNER, isGone: async (other) => other !== PROCESS_OWNER, close: async () => {} };
  }
  let owner = randomUUID();
  const open = db.openSession.bind(db);
  let closed = false;
  let session: Session;
  const hold = async (): Promise<void> => {
    session = await open();
    await session.query(`SELECT pg_advisory_lock(${LOCK_KEY})`, [owner]);
    void session.lost.then((err) => {
      if (closed) return;
      // Our lock went with the connection: claims made under the old id may now be taken over, so
      // new claims use a new id that is held again before it is used.
      log?.warn({ err, owner }, 'presence session lost; holding a new one');
      owner = randomUUID();
      void retry();
    });
  };
  const retry = async (): Promise<void> => {
    while (!closed) {
      try {
        return await hold();
      } catch (err) {
        log?.warn({ err }, 'could not hold the presence session; retrying');
        await new Promise((r) => setTimeout(r, 1_000).unref());
      }
    }
  };
  await hold();
  return {
    get owner() {
      return owner;
    },
    async isGone(other) {
      if (other === owner) return false;
      // A transaction-level try-lock conflicts with the owner's session lock while it lives, and
      // is released by the transaction's end, so asking never holds anything.
      const { rows } = await db.transaction((tx) =>
        tx.query<{ gone: boolean }>(`SELECT pg_try_advisory_xact_lock(${LOCK_KEY}) AS gone`, [other]),
      );
      return rows[0]?.gone === true;
    },
    async close() {
      closed = true;
      await session.close().catch(() => {});
    },
  };
}
