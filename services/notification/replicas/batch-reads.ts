import type { Queryable } from '#platform/data/db.js';
import type { Person } from './store.js';

export interface CustomerRead {
  contact: Person | null;
  organizationName: string | null;
}

/**
 * The contacts a batch's mail handlers will need, read for all of them in one statement before
 * they run (the handler's `prepare`), per transaction. A replica written in the same transaction
 * (a CustomerUpdated in the batch) drops them: later handlers read again and see the new copy.
 */
const reads = new WeakMap<Queryable, Map<string, CustomerRead>>();

export function rememberBatchReads(q: Queryable, found: Map<string, CustomerRead>): void {
  reads.set(q, found);
}

/** The contact read for this transaction's batch, if it was read and nothing changed it since. */
export function batchRead(q: Queryable, key: string): CustomerRead | undefined {
  return reads.get(q)?.get(key);
}

export function forgetBatchReads(q: Queryable): void {
  reads.delete(q);
}
