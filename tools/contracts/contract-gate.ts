import type { MessageContract } from '#platform/messaging/contract.js';
import { publishedFormOf, type PublishedContract } from './published-store.js';
import { schemaBreaks } from './schema-compatibility.js';

export type GateProblem = 'unrecorded' | 'additive' | 'breaking' | 'upcaster-missing' | 'type-removed';

export interface GateFinding {
  type: string;
  version: number;
  problem: GateProblem;
  message: string;
}

const RECORD = 'run `npm run contracts:record` and commit contracts/published/';

/**
 * Compares the contracts in the code with the recorded versions. `unrecorded` and `additive` are
 * fixed by recording; `breaking`, `upcaster-missing` and `type-removed` by changing the code.
 */
export function checkContracts(
  contracts: readonly MessageContract[],
  published: readonly PublishedContract[],
): GateFinding[] {
  const findings: GateFinding[] = [];
  const byType = new Map(contracts.map((c) => [c.type, c]));
  for (const c of contracts) {
    const current = publishedFormOf(c);
    const recorded = published.find((p) => p.type === c.type && p.version === c.version);
    const at = { type: c.type, version: c.version };
    if (!recorded) {
      findings.push({
        ...at,
        problem: 'unrecorded',
        message: `${c.type} v${c.version} is not recorded: ${RECORD}`,
      });
      continue;
    }
    const breaks = schemaBreaks(recorded.payload, current.payload);
    if (breaks.length > 0) {
      const list = breaks.map((b) => `  - ${b.path}: ${b.kind} (${b.detail})`).join('\n');
      findings.push({
        ...at,
        problem: 'breaking',
        message:
          `${c.type} v${c.version} changed in a way that breaks its consumers:\n${list}\n` +
          `Leave v${c.version} as it was published. Declare version ${c.version + 1} with the new schema and ` +
          `an upcaster ${c.version} → ${c.version + 1} (\`upcasters: { ${c.version}: (old) => new }\`, see ` +
          `platform/messaging/contract.ts), then ${RECORD}.`,
      });
    } else if (JSON.stringify(recorded) !== JSON.stringify(current)) {
      findings.push({
        ...at,
        problem: 'additive',
        message: `${c.type} v${c.version} changed compatibly (nothing a consumer relies on is gone): ${RECORD}`,
      });
    }
  }
  for (const p of published) {
    const c = byType.get(p.type);
    if (!c) {
      findings.push({
        type: p.type,
        version: p.version,
        problem: 'type-removed',
        message:
          `${p.type} v${p.version} is recorded but no contract declares ${p.type}: consumers may still ` +
          `receive it. Restore it, or retire it on purpose by deleting its files in contracts/published/.`,
      });
    } else if (p.version > c.version) {
      findings.push({
        type: p.type,
        version: p.version,
        problem: 'breaking',
        message: `${p.type} v${p.version} is recorded but the code declares only v${c.version}: versions never go back.`,
      });
    } else if (p.version < c.version) {
      const missing = range(p.version, c.version).filter((v) => !c.upcasters[v]);
      if (missing.length > 0) {
        findings.push({
          type: p.type,
          version: p.version,
          problem: 'upcaster-missing',
          message:
            `${p.type} v${p.version} was published but ${p.type} has no upcaster from ` +
            `${missing.map((v) => `v${v}`).join(', ')}: a v${p.version} message still in a queue could ` +
            `not be read. Add \`upcasters: { ${missing[0]}: (old) => new }\` (platform/messaging/contract.ts).`,
        });
      }
    }
  }
  return findings;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Problems recording fixes (the rest need a change of code). */
export const recordable = (f: GateFinding) => f.problem === 'unrecorded' || f.problem === 'additive';
