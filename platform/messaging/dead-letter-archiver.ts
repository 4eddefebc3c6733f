import { backoffMs, DEPENDENCY_RETRY } from '../retry/backoff.js';
import type { DeadLetterStore } from './dead-letter-store.js';
import { errorText, quietLog, type MessagingLog } from './log.js';
import type { Delivery } from './transport.js';

/**
 * Consumes `<service>.dlq` into the service's `dead_letter` table. A dead letter must never be
 * lost or bounced, so a failed insert (database down) is retried here until it works or the
 * service stops; then the copy stays unacknowledged and the broker keeps it.
 */
export function createArchiver(
  store: DeadLetterStore,
  isStopping: () => boolean,
  log: MessagingLog = quietLog,
): (d: Delivery) => Promise<void> {
  return async (d) => {
    for (let failures = 0; ; failures++) {
      try {
        await store.archive(d.body, d.headers);
        await d.ack();
        return;
      } catch (err) {
        if (isStopping()) return;
        const delay = backoffMs(failures, DEPENDENCY_RETRY);
        log.warn(
          { queue: d.queue, err: errorText(err), retryInMs: delay },
          'could not archive a dead letter',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  };
}
