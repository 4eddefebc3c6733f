import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { QueryResult, Statement, Tx } from '#platform/data/db.js';
import { defineCommand, defineEvent } from '#platform/messaging/contract.js';
import { envelopeSchema } from '#platform/messaging/envelope.js';
import { MessageContractError, outboxBus } from '#platform/messaging/outbox-bus.js';
import { runWithContext } from '#platform/observability/context.js';

const created = defineEvent({
  type: 'test.thing-created',
  version: 2,
  schema: z.object({ thingId: z.uuid(), note: z.string().optional() }),
});
const doIt = defineCommand({
  type: 'test.do-it',
  version: 1,
  target: 'worker',
  schema: z.object({ thingId: z.uuid() }),
});

/** Records the statements a publish sends, and those it leaves for the commit; the SQL runs in the integration tests. */
function recordingTx() {
  const statements: Statement[] = [];
  const afterCommit: (() => void)[] = [];
  const beforeCommit: (() => Statement)[] = [];
  const tx: Tx = {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      statements.push({ sql, params });
      return { rows: [], rowCount: 1 };
    },
    afterCommit: (fn) => afterCommit.push(fn),
    beforeCommit: (build) => beforeCommit.push(build),
    exec: async (sql: string) => {
      statements.push({ sql, params: [] });
    },
  };
  const commit = () => {
    for (const build of beforeCommit) statements.push(build());
    afterCommit.forEach((fn) => fn());
  };
  return { tx, statements, afterCommit, beforeCommit, commit };
}

/** The rows of an outbox statement: its parameters are one array per column. */
const outboxRows = (s: Statement) => {
  const columns = s.params as unknown[][];
  return columns[0]!.map((_, i) => columns.map((c) => c[i]));
};

const org = randomUUID();
const company = randomUUID();

describe('outboxBus', () => {
  it('writes an event to the outbox with a full envelope, routed by its type', async () => {
    let woken = 0;
    const bus = outboxBus({ service: 'sales', onCommitted: () => woken++ });
    const { tx, statements, commit } = recordingTx();
    const thingId = randomUUID();
    const env = await bus.publish(tx, created, { thingId }, { organizationId: org, companyId: company });

    expect(envelopeSchema.parse(env)).toEqual(env);
    expect(env).toMatchObject({
      type: 'test.thing-created',
      version: 2,
      source: 'sales',
      organizationId: org,
      companyId: company,
      causationId: null,
      payload: { thingId },
    });
    // Written with the commit, not before.
    expect(statements).toHaveLength(0);
    expect(woken).toBe(0);
    commit();
    expect(statements).toHaveLength(1);
    const [messageId, type, exchange, routingKey, body] = outboxRows(statements[0]!)[0]!;
    expect([messageId, type, exchange, routingKey]).toEqual([
      env.messageId,
      'test.thing-created',
      'dhanman.events',
      'test.thing-created',
    ]);
    expect(JSON.parse(String(body))).toEqual(env);
    expect(woken).toBe(1);
  });

  it('writes the messages of one transaction in one statement, in the order they were published', async () => {
    let woken = 0;
    const bus = outboxBus({ service: 'sales', onCommitted: () => woken++ });
    const { tx, statements, commit } = recordingTx();
    const ids = [];
    for (let i = 0; i < 3; i++)
      ids.push(
        (await bus.publish(tx, created, { thingId: randomUUID() }, { organizationId: org })).messageId,
      );
    commit();
    expect(statements).toHaveLength(1);
    expect(outboxRows(statements[0]!).map((r) => r[0])).toEqual(ids);
    expect(woken).toBe(1);
  });

  it('routes a command to its target service', async () => {
    const bus = outboxBus({ service: 'sales' });
    const { tx, statements, commit } = recordingTx();
    await bus.send(tx, doIt, { thingId: randomUUID() }, { organizationId: org });
    commit();
    expect(outboxRows(statements[0]!)[0]!.slice(2, 4)).toEqual(['dhanman.commands', 'worker.commands']);
  });

  it('takes correlation, causation and tenancy from the work context', async () => {
    const bus = outboxBus({ service: 'notification' });
    const { tx } = recordingTx();
    const cause = randomUUID();
    const env = await runWithContext(
      { correlationId: 'req-42', causationId: cause, organizationId: org, companyId: company },
      () => bus.publish(tx, created, { thingId: randomUUID() }),
    );
    expect(env).toMatchObject({
      correlationId: 'req-42',
      causationId: cause,
      organizationId: org,
      companyId: company,
    });
  });

  it('makes a correlation id when there is no context', async () => {
    const bus = outboxBus({ service: 'sales' });
    const a = await bus.publish(
      recordingTx().tx,
      created,
      { thingId: randomUUID() },
      { organizationId: org },
    );
    const b = await bus.publish(
      recordingTx().tx,
      created,
      { thingId: randomUUID() },
      { organizationId: org },
    );
    expect(a.correlationId).not.toBe(b.correlationId);
    expect(a.messageId).not.toBe(b.messageId);
  });

  it.each([
    [
      'an invalid payload',
      () =>
        outboxBus({ service: 's' }).publish(
          recordingTx().tx,
          created,
          { thingId: 'nope' },
          { organizationId: org },
        ),
    ],
    [
      'no organization',
      () => outboxBus({ service: 's' }).publish(recordingTx().tx, created, { thingId: randomUUID() }),
    ],
    [
      'a command through publish',
      () =>
        outboxBus({ service: 's' }).publish(
          recordingTx().tx,
          doIt,
          { thingId: randomUUID() },
          { organizationId: org },
        ),
    ],
    [
      'an event through send',
      () =>
        outboxBus({ service: 's' }).send(
          recordingTx().tx,
          created,
          { thingId: randomUUID() },
          { organizationId: org },
        ),
    ],
    [
      'a bad organization id',
      () =>
        outboxBus({ service: 's' }).publish(
          recordingTx().tx,
          created,
          { thingId: randomUUID() },
          { organizationId: 'x' },
        ),
    ],
  ])('refuses %s as a programming error, writing nothing', async (_what, publish) => {
    await expect(publish()).rejects.toBeInstanceOf(MessageContractError);
  });

  it('writes nothing when the payload is invalid', async () => {
    const { tx, statements, afterCommit, beforeCommit } = recordingTx();
    await expect(
      outboxBus({ service: 's' }).publish(tx, created, { thingId: 1 } as never, { organizationId: org }),
    ).rejects.toThrow(/thingId/);
    expect(statements).toHaveLength(0);
    expect(beforeCommit).toHaveLength(0);
    expect(afterCommit).toHaveLength(0);
  });
});
