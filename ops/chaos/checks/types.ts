import type { FinalState } from '../final-state.js';
import type { History } from '../history.js';

export interface Violation {
  /** The document (invoice, payment, order, ...) or thing that breaks the invariant. */
  document: string;
  correlationId?: string;
  problem: string;
}

export interface InvariantResult {
  ok: boolean;
  detail: string;
  violations: Violation[];
}

export const cents = (s: string | number | undefined | null): number => Math.round(Number(s ?? 0) * 100);

export function result(checked: number, what: string, violations: Violation[]): InvariantResult {
  return {
    ok: violations.length === 0,
    detail:
      violations.length === 0
        ? `${checked} ${what}`
        : `${violations.length} of ${checked} ${what} violate it`,
    violations,
  };
}

/** A correlation id as an optional field of a violation. */
export const cid = (id: string | null | undefined): { correlationId?: string } =>
  id ? { correlationId: id } : {};

export type { FinalState, History };
