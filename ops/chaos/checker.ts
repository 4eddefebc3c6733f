import {
  nothingUnfinished,
  oneMailPerFact,
  onlyPoisonDeadLettered,
  resourcesBack,
} from './checks/delivery.js';
import { effectsOnce, journalsPerDocument } from './checks/documents.js';
import { balancesMatchLedger, chargedOnce, trialBalanced } from './checks/money.js';
import type { InvariantResult } from './checks/types.js';
import type { FinalState } from './final-state.js';
import type { History } from './history.js';

export type { InvariantResult, Violation } from './checks/types.js';
export type Invariants = Record<string, InvariantResult>;

/** Every invariant, computed from the client's history and the final state alone (no clock, no I/O). */
export function check(h: History, f: FinalState, copies: number): Invariants {
  return {
    effectsOnce: effectsOnce(h, f),
    journalPerDocument: journalsPerDocument(h, f),
    trialBalanced: trialBalanced(f),
    chargedOnce: chargedOnce(h, f),
    balancesMatchLedger: balancesMatchLedger(h, f),
    oneMailPerFact: oneMailPerFact(h, f),
    nothingUnfinished: nothingUnfinished(h, f),
    onlyPoisonDeadLettered: onlyPoisonDeadLettered(h, f),
    resourcesBack: resourcesBack(f, copies),
  };
}
