/** Which dead letters an operation is about; every field narrows the set. */
export interface DeadLetterFilter {
  status?: DeadLetterStatus;
  category?: string;
  type?: string;
  originalQueue?: string;
  messageId?: string;
  /** ISO time: dead-lettered at or after. */
  since?: string;
  /** ISO time: dead-lettered before. */
  until?: string;
  /** The envelope's organization; absent: every organization and the dead letters of none. */
  organizationId?: string;
}

/** A dead letter's id: its row's bigint, as digits. */
export const DEAD_LETTER_ID = /^\d{1,18}$/;

export type DeadLetterStatus = 'open' | 'replayed' | 'discarded';
export const DEAD_LETTER_STATUSES: readonly DeadLetterStatus[] = ['open', 'replayed', 'discarded'];

/** Builds the WHERE clause of a filter; `first` is the number of the first placeholder. */
export function deadLetterWhere(filter: DeadLetterFilter, first = 1): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    clauses.push(sql.replace('?', `$${first + params.length - 1}`));
  };
  if (filter.status) add('status = ?', filter.status);
  if (filter.category) add('category = ?', filter.category);
  if (filter.type) add('type = ?', filter.type);
  if (filter.originalQueue) add('original_queue = ?', filter.originalQueue);
  if (filter.messageId) add('message_id = ?', filter.messageId);
  if (filter.since) add('dead_lettered_at >= ?::timestamptz', filter.since);
  if (filter.until) add('dead_lettered_at < ?::timestamptz', filter.until);
  if (filter.organizationId) add('organization_id = lower(?)', filter.organizationId);
  return { sql: clauses.length ? clauses.join(' AND ') : 'TRUE', params };
}
