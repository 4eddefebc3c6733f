import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PublishedContract } from './contract-gate.js';

/** One file per message version: `<type>.v<version>.json`. */
export const publishedFileName = (p: Pick<PublishedContract, 'type' | 'version'>) =>
  `${p.type}.v${p.version}.json`;

/** Every recorded message version in `dir`, sorted by type and version. */
export function readPublished(dir: string): PublishedContract[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.v\d+\.json$/.test(f))
    .map((f) => {
      const record = JSON.parse(readFileSync(join(dir, f), 'utf8')) as PublishedContract;
      if (publishedFileName(record) !== f)
        throw new Error(`${join(dir, f)} records ${record.type} v${record.version}`);
      return record;
    })
    .sort((a, b) => a.type.localeCompare(b.type) || a.version - b.version);
}

export function writePublished(dir: string, record: PublishedContract, text: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, publishedFileName(record));
  writeFileSync(file, text);
  return file;
}
