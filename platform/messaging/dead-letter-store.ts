import type { Db } from '../data/db.js';
import { archiveDeadLetter } from './dead-letter-archive.js';
import { DeadLetterGauge } from './dead-letter-gauge.js';
import { quietLog, type MessagingLog } from './log.js';
import type { Transport } from './transport.js';

/**
 * A service's dead letters, archived from `<service>.dlq` into its own database, and the DLQ depth
 * gauge. What operators do with them (list, replay, discard) is `operations/dead-letters.ts`.
 */
export class DeadLetterStore {
  readonly log: MessagingLog;
  /** The DLQ depth gauge, refreshed soon after each change to the archive. */
  readonly gauge: DeadLetterGauge;

  constructor(readonly opts: { service: string; db: Db; transport: Transport; log?: MessagingLog }) {
    this.log = opts.log ?? quietLog;
    this.gauge = new DeadLetterGauge({ ...opts, log: this.log });
  }

  /** Stores one message taken from the DLQ (idempotent per dead-lettering). */
  async archive(body: Buffer | string, headers: Record<string, unknown>): Promise<void> {
    await archiveDeadLetter(this.opts.db, body, headers);
    this.gauge.schedule();
  }
}
