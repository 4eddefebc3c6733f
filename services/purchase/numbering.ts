import type { NumberSeries } from '#platform/data/numbered-insert.js';

export type DocumentKind = 'PO' | 'BILL';

/** The numbering period of a moment: "YYYYMM" (UTC calendar month). */
export function periodOf(at: Date): string {
  return at.toISOString().slice(0, 7).replace('-', '');
}

/**
 * An organization's documents of a kind and month, `PO-YYYYMM-0001` on: one counter row per
 * organization, kind and month, so numbers are consecutive and unique.
 */
export function documentSeries(kind: DocumentKind, at: Date): NumberSeries {
  const period = periodOf(at);
  return { counter: 'document_counter', key: { kind, period }, prefix: `${kind}-${period}-` };
}
