import pg from 'pg';
import { pino } from 'pino';
import { afterAll, expect, inject, it } from 'vitest';
import { openPostgres } from '#platform/data/postgres.js';
import { uniqueName } from '../../harness/unique-name.js';
import { waitFor } from '../../support/wait.js';

/** What the database logs: a lost connection's warning is the evidence it reached the client. */
const warnings: string[] = [];
const db = await openPostgres({
  serverUrl: inject('databaseUrl'),
  service: 'lost',
  databasePrefix: uniqueName('cl'),
  log: pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) }),
});
afterAll(() => db.close());

async function terminate(pid: number): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('databaseUrl') });
  await admin.connect();
  try {
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor('the backend to be gone', async () => {
      const r = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]);
      return r.rowCount === 0;
    });
  } finally {
    await admin.end();
  }
}

it('a connection lost inside a transaction, between statements (PostgreSQL restarted), fails that transaction and not the process', async () => {
  const failed = db.transaction(async (tx) => {
    const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await terminate(rows[0]!.pid);
    // The server's FATAL reaches the client while no statement is in flight: its error listener
    // logs it (without that listener, this is where the process died).
    await waitFor('the lost connection to reach the client', () =>
      warnings.some((line) => line.includes('PostgreSQL connection failed while in use')),
    );
    await tx.query('SELECT 1');
  });
  // The statement after the loss fails for that reason (not for want of the evidence above).
  await expect(failed).rejects.toThrow('Client has encountered a connection error and is not queryable');
  // The pool dropped the broken connection: the next transaction gets a good one.
  expect(
    await db.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n),
  ).toBe(1);
});
