import type { Db, Row } from '#platform/data/db.js';
import { openDatabases, type DatabaseOptions } from '#platform/data/open.js';

/**
 * The database of one service alone (tests open one this way). Closing the Db also
 * closes the embedded instance it may have started.
 */
export async function openServiceDatabase(opts: DatabaseOptions & { service: string }): Promise<Db> {
  const source = await openDatabases(opts);
  try {
    const db = await source.forService(opts.service);
    return {
      kind: db.kind,
      service: db.service,
      query: <T = Row>(sql: string, params?: readonly unknown[]) => db.query<T>(sql, params),
      exec: (sql) => db.exec(sql),
      transaction: (fn) => db.transaction(fn),
      ping: () => db.ping(),
      async close() {
        await db.close();
        await source.close();
      },
    };
  } catch (err) {
    await source.close();
    throw err;
  }
}
