import type { Context } from '@opentelemetry/api';
import type { Tx } from '../data/db.js';
import type { MessageContract, PayloadOf } from './contract.js';
import type { Envelope } from './envelope.js';

/** Overrides for envelope fields; by default they come from the current work context. */
export interface PublishOptions {
  organizationId?: string;
  companyId?: string | null;
  correlationId?: string;
  causationId?: string | null;
  /**
   * The trace the publish continues, when it is written outside the work that caused it (a group
   * commit writing several requests' messages); the current work's by default.
   */
  trace?: Context;
}

/**
 * What a service uses to speak on the bus. Nothing is published outside a transaction:
 * both calls write to the service's outbox inside `tx`; the relay sends after commit.
 */
export interface Bus {
  publish<C extends MessageContract>(
    tx: Tx,
    contract: C,
    payload: PayloadOf<C>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<C>>>;
  send<C extends MessageContract>(
    tx: Tx,
    contract: C,
    payload: PayloadOf<C>,
    opts?: PublishOptions,
  ): Promise<Envelope<PayloadOf<C>>>;
}

/**
 * A message handler. It runs inside a transaction with the inbox record "(messageId, name) done",
 * so its effects happen exactly once however often the message arrives. Its publishes inherit
 * the message's correlation id and take the message id as causation id.
 */
export interface MessageHandler<C extends MessageContract = MessageContract> {
  contract: C;
  /** Unique within the service; the inbox key. */
  name: string;
  handle(message: Envelope<PayloadOf<C>>, tx: Tx): Promise<void>;
  /**
   * Its effects reach outside the transaction and are not deferred (`deferOutside`,
   * outside-effects.ts, is the batchable way): it runs in a transaction of its own, never batched
   * with other messages, so a neighbour's failure cannot make it repeat them. Handlers whose
   * effects are all in the database, or deferred, leave this off and are batched.
   */
  isolated?: boolean;
  /**
   * Runs once per batch, in its transaction, before any of its handlers, with the messages this
   * handler is about to handle: what each would read on its own (a contact, an earlier send) it
   * can read for all of them in one statement. A message run on its own (an isolated handler, or
   * again after its batch failed) gets no call: its handler reads for itself.
   */
  prepare?(messages: ReadonlyArray<Envelope<PayloadOf<C>>>, tx: Tx): Promise<void>;
}

export function on<C extends MessageContract>(
  contract: C,
  name: string,
  handle: (message: Envelope<PayloadOf<C>>, tx: Tx) => Promise<void>,
  options: Pick<MessageHandler<C>, 'isolated' | 'prepare'> = {},
): MessageHandler<C> {
  return {
    contract,
    name,
    handle,
    ...(options.isolated ? { isolated: true } : {}),
    ...(options.prepare ? { prepare: options.prepare } : {}),
  };
}
