import type { Db, Tx } from '../data/db.js';
import { runWithContext } from '../observability/context.js';
import type { MessageHandler } from './bus.js';
import type { Envelope } from './envelope.js';
import { claimInboxes, inboxKey } from './inbox.js';
import { messagingMetrics } from './metrics.js';
import {
  collectOutsideEffects,
  OutsideEffectFailed,
  runOutsideEffects,
  type OutsideEffect,
} from './outside-effects.js';
import { handlingContextOf } from './tracing.js';

/** What became of a message handed to a batch. */
type BatchOutcome =
  /** Its handler's effects and inbox record committed (or it had run before). */
  | { kind: 'committed' }
  /** Its handler failed (alone in its batch, or the one that made a shared batch fail). */
  | { kind: 'failed'; handler: string; error: unknown }
  /** A batch it shared failed because of another member or the commit: run it on its own. */
  | { kind: 'alone' };

interface Member {
  envelope: Envelope;
  handler: MessageHandler;
  done(outcome: BatchOutcome): void;
}

interface HandlerBatcherOptions {
  service: string;
  db: Db;
  /** Messages per transaction at most. */
  maxSize: number;
}

/**
 * Batch transactions of one consumer open at once; more messages wait in the forming batch. Two,
 * so one batch's COMMIT round trip overlaps the next one's statements.
 */
const MAX_IN_FLIGHT = 2;

/**
 * Runs the handlers of messages that arrive together in one transaction: one statement claiming
 * every inbox record (sent with the BEGIN), the handlers one after another in arrival order, one
 * COMMIT. A consumer otherwise spends three of its four round trips per message on transaction
 * bookkeeping, and on this kind of machine each round trip costs more CPU than the handler's
 * work. Messages join the batch that is forming in the current turn of the event loop, so under
 * light load a batch holds one message and adds no latency. If anything in a shared batch fails,
 * the whole transaction rolls back: the member whose handler threw goes to the retry ladder and
 * the others run alone, so the bad message neither holds back nor half-applies its neighbours.
 * Effects outside the database that handlers defer (outside-effects.ts) run after the last
 * handler, all members' at once, and are recorded before the COMMIT; a member whose effect failed
 * goes to the retry ladder and the others run alone (their effects must not repeat in process).
 */
export class HandlerBatcher {
  private forming: Member[] = [];
  private scheduled = false;
  private committing = 0;

  constructor(private readonly opts: HandlerBatcherOptions) {}

  run(envelope: Envelope, handler: MessageHandler): Promise<BatchOutcome> {
    return new Promise((done) => {
      this.forming.push({ envelope, handler, done });
      if (this.forming.length >= this.opts.maxSize) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.flush();
        });
      }
    });
  }

  /**
   * Starts a transaction for what has formed, unless `MAX_IN_FLIGHT` are already committing: then
   * the batch keeps growing until one of them ends. Under load batches grow to fill the time a
   * commit takes; when idle a message goes alone at once.
   */
  private flush(): void {
    if (this.forming.length === 0 || this.committing >= MAX_IN_FLIGHT) return;
    const members = this.forming.splice(0, this.opts.maxSize);
    this.committing++;
    void this.commit(members).finally(() => {
      this.committing--;
      this.flush();
    });
  }

  private async commit(members: Member[]): Promise<void> {
    const { service } = this.opts;
    const ran: Array<{ type: string; handler: string; outcome: 'success' | 'duplicate' }> = [];
    // The member whose handler threw, when it was a handler (not the commit) that failed.
    let throwing: Member | undefined;
    // Members whose effects outside the database failed, with the cause.
    const effectFailures = new Map<Member, unknown>();
    try {
      await this.opts.db.transaction(async (tx) => {
        const claimed = await claimInboxes(
          tx,
          members.map(({ envelope, handler }) => ({ messageId: envelope.messageId, handler: handler.name })),
        );
        await prepareAll(members, claimed, tx);
        const deferred: Array<{ member: Member; effects: OutsideEffect[] }> = [];
        for (const member of members) {
          const { envelope, handler } = member;
          const key = inboxKey(envelope.messageId, handler.name);
          if (!claimed.has(key)) {
            ran.push({ type: envelope.type, handler: handler.name, outcome: 'duplicate' });
            continue;
          }
          // A second copy of the same message in this batch is a duplicate of the first.
          claimed.delete(key);
          throwing = member;
          const effects = await runOne(service, handler, envelope, tx);
          throwing = undefined;
          if (effects.length > 0) deferred.push({ member, effects });
          ran.push({ type: envelope.type, handler: handler.name, outcome: 'success' });
        }
        // Every member's effects outside the database at once, then their records.
        const records = await runOutsideEffects(deferred.map((d) => d.effects)).catch((error: unknown) => {
          if (!(error instanceof OutsideEffectFailed)) throw error;
          for (const [i, cause] of error.failures) effectFailures.set(deferred[i]!.member, cause);
          throw error;
        });
        for (const [i, list] of records.entries()) {
          throwing = deferred[i]!.member;
          for (const record of list) await record(tx);
        }
        throwing = undefined;
      });
    } catch (error) {
      // The member whose handler threw has had its attempt: running it alone at once would call a
      // failing handler twice per attempt. Its neighbours run alone to find out on their own.
      // Members whose effects failed have had theirs too (each with its own cause).
      const failed = members.length === 1 ? members[0] : throwing;
      if (members.length > 1) messagingMetrics.batchesSplit.inc({ service });
      for (const m of members) {
        if (effectFailures.has(m))
          m.done({ kind: 'failed', handler: m.handler.name, error: effectFailures.get(m) });
        else if (m === failed) m.done({ kind: 'failed', handler: m.handler.name, error });
        else m.done({ kind: 'alone' });
      }
      return;
    }
    messagingMetrics.batchSize.observe({ service }, members.length);
    for (const r of ran) messagingMetrics.consumed.inc({ service, ...r });
    for (const m of members) m.done({ kind: 'committed' });
  }
}

/**
 * Each handler's `prepare` once, with the messages it will handle in this batch: those claimed,
 * the first copy of a message twice in the batch. Runs in the first member's work context.
 */
async function prepareAll(members: readonly Member[], claimed: ReadonlySet<string>, tx: Tx): Promise<void> {
  const byHandler = new Map<MessageHandler, Envelope[]>();
  const seen = new Set<string>();
  for (const { envelope, handler } of members) {
    const key = inboxKey(envelope.messageId, handler.name);
    if (!handler.prepare || !claimed.has(key) || seen.has(key)) continue;
    seen.add(key);
    const list = byHandler.get(handler);
    if (list) list.push(envelope);
    else byHandler.set(handler, [envelope]);
  }
  for (const [handler, envelopes] of byHandler) {
    await runWithContext(contextOf(envelopes[0]!), () => handler.prepare!(envelopes, tx));
  }
}

/**
 * Runs a handler in its message's work context, timed; returns the effects outside the database
 * it deferred (the caller runs them, then their records, before it commits).
 */
export async function runOne(
  service: string,
  h: MessageHandler,
  envelope: Envelope,
  tx: Tx,
): Promise<OutsideEffect[]> {
  const stopTimer = messagingMetrics.handlerDuration.startTimer({
    service,
    type: envelope.type,
    handler: h.name,
  });
  try {
    return await collectOutsideEffects(() =>
      runWithContext(contextOf(envelope), () => h.handle(envelope, tx)),
    );
  } finally {
    stopTimer();
  }
}

/** The work context a handler runs in: its publishes carry the message's correlation and tenancy. */
function contextOf(envelope: Envelope) {
  const trace = handlingContextOf(envelope);
  return {
    correlationId: envelope.correlationId,
    causationId: envelope.messageId,
    organizationId: envelope.organizationId,
    ...(envelope.companyId ? { companyId: envelope.companyId } : {}),
    ...(trace ? { trace } : {}),
  };
}
