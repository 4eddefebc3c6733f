import { AsyncLocalStorage } from 'node:async_hooks';
import type { Tx } from '../data/db.js';

/**
 * Work a handler does outside the database (a call no transaction can roll back), run once its
 * handler has returned; it resolves to the writes that record it, run in the handler's transaction.
 */
export type OutsideEffect = () => Promise<(tx: Tx) => Promise<void>>;

/** The effects deferred by the handler running in the current async context. */
const pending = new AsyncLocalStorage<OutsideEffect[]>();

/**
 * Defers `effect` until the handler (and, in a batch, every handler of the batch) has run, so
 * the effects of messages handled together go out concurrently instead of one after another. Its
 * record joins the handler's transaction only if every effect of that handler succeeded; one that
 * fails makes the handler fail (retried, then dead-lettered) and rolls back the transaction.
 *
 * After a rollback the consumer may run the handler again (alone, or on retry), so an effect must
 * be one it can ask for twice without doing it twice in this process (the mailer remembers the
 * mails it sent until their record commits). Outside a consumer's handler it runs at once.
 */
export async function deferOutside(tx: Tx, effect: OutsideEffect): Promise<void> {
  const effects = pending.getStore();
  if (effects) {
    effects.push(effect);
    return;
  }
  const record = await effect();
  await record(tx);
}

/** Runs `fn` (a handler) and returns the effects it deferred. */
export async function collectOutsideEffects(fn: () => Promise<void>): Promise<OutsideEffect[]> {
  const effects: OutsideEffect[] = [];
  await pending.run(effects, fn);
  return effects;
}

/** Why a handler failed in its effects phase, with the first failure as the cause. */
export class OutsideEffectFailed extends Error {
  override name = 'OutsideEffectFailed';
  constructor(readonly failures: ReadonlyMap<number, unknown>) {
    const first = failures.values().next().value;
    super(first instanceof Error ? first.message : String(first), { cause: first });
  }
}

/**
 * The effects phase of handlers that ran in one transaction: every handler's effects at once.
 * Returns each handler's records (to run in the transaction, in handler order) when all
 * succeeded; else throws `OutsideEffectFailed` naming the handlers (by index) whose effects failed,
 * and nothing may be recorded (the caller rolls back).
 */
export async function runOutsideEffects(
  byHandler: ReadonlyArray<readonly OutsideEffect[]>,
): Promise<Array<Array<(tx: Tx) => Promise<void>>>> {
  const settled = await Promise.all(
    byHandler.map((effects) => Promise.allSettled(effects.map((effect) => effect()))),
  );
  const failures = new Map<number, unknown>();
  settled.forEach((results, i) => {
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) failures.set(i, failed.reason);
  });
  if (failures.size > 0) throw new OutsideEffectFailed(failures);
  return settled.map((results) =>
    results.map((r) => (r as PromiseFulfilledResult<(tx: Tx) => Promise<void>>).value),
  );
}
