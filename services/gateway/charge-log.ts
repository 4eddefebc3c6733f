import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ChargeEntry } from './charges.js';

/** Where the gateway keeps what it charged and refunded. */
export interface ChargeLog {
  load(): ChargeEntry[];
  append(entry: ChargeEntry): void;
}

/**
 * An append-only file of JSON lines: each charge or refund is written (synchronously, so it is in
 * the file before the answer leaves) and read back on start, so a restart keeps every idempotency
 * key. A line cut short by a crash mid-write is skipped. Small and dependency-free, which suits a
 * stand-in for a provider (docs/adr/0014).
 */
export function fileChargeLog(file: string): ChargeLog {
  mkdirSync(path.dirname(file), { recursive: true });
  return {
    load() {
      if (!existsSync(file)) return [];
      const entries: ChargeEntry[] = [];
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        try {
          entries.push(JSON.parse(line) as ChargeEntry);
        } catch {
          // A torn last line: the answer for it never left either.
        }
      }
      return entries;
    },
    append(entry) {
      appendFileSync(file, `${JSON.stringify(entry)}\n`);
    },
  };
}

/** Nothing kept across restarts: the in-memory embedded mode (`DHANMAN_DATA_DIR=memory://`). */
export function memoryChargeLog(): ChargeLog {
  return { load: () => [], append: () => undefined };
}
