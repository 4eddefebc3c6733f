import type { FastifyRequest } from 'fastify';
import type { Db, Tx } from '../data/db.js';
import type { Bus, PublishOptions } from '../messaging/bus.js';
import type { MessageContract, PayloadOf } from '../messaging/contract.js';
import type { Envelope } from '../messaging/envelope.js';
import { recordActivity } from '../observability/activity.js';

/**
 * What a writing use case works with: its transaction, and the bus bound to it, so a message can
 * only be written to the outbox together with the state it describes.
 */
export interface Work {
  tx: Tx;
  publish<C extends MessageContract>(
    contract: C,
    payload: PayloadOf<C>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<C>>>;
  send<C extends MessageContract>(
    contract: C,
    payload: PayloadOf<C>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<C>>>;
}

/** What a writing use case decided: the response, and the activity it leaves for the timeline. */
export interface Written<T> {
  status: number;
  body: T;
  /** Recorded in the same transaction under the request's correlation id. */
  activity?: { action: string; detail?: Record<string, unknown> };
}

/** The request's part in a write: its idempotency claim (when it carries a key). */
type WriteRequest = Pick<FastifyRequest, 'idempotency'>;

/**
 * Runs one writing use case in one transaction with everything a write must leave behind: the
 * state (the use case's own statements), its outbox messages (through `work.publish`/`send`),
 * the activity record and the idempotency response. A route that calls this cannot forget one
 * of them. A use case that throws (a problem, a conflict) rolls back all four.
 */
export async function runWrite<T>(
  deps: { db: Db; bus: Bus },
  request: WriteRequest | null,
  useCase: (work: Work) => Promise<Written<T>>,
): Promise<Written<T>> {
  return deps.db.transaction(async (tx) => {
    const work: Work = {
      tx,
      publish: (contract, payload, opts) => deps.bus.publish(tx, contract, payload, opts),
      send: (contract, payload, opts) => deps.bus.send(tx, contract, payload, opts),
    };
    const written = await useCase(work);
    if (written.activity) recordActivity(tx, written.activity.action, written.activity.detail ?? {});
    await request?.idempotency?.complete(tx, written.status, written.body);
    return written;
  });
}
