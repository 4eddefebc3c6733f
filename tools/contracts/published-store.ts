import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { MessageContract } from '#platform/messaging/contract.js';

export type JsonSchema = Record<string, unknown>;

/**
 * The schema a message version was published with, as recorded in the repository: what its
 * consumers rely on. Older versions stay recorded after a new one replaces them in the code.
 */
export interface PublishedContract {
  type: string;
  version: number;
  kind: 'event' | 'command';
  target?: string;
  /** An event routed by kind: every routing key it is published with (type + kind). */
  routingKeys?: string[];
  /** JSON Schema (draft-07) of the payload as a consumer parses it. */
  payload: JsonSchema;
}

/** A contract's current version in its published form. */
export function publishedFormOf(c: MessageContract): PublishedContract {
  const { $schema: _ignored, ...payload } = z.toJSONSchema(c.schema, {
    target: 'draft-7',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonSchema;
  return {
    type: c.type,
    version: c.version,
    kind: c.kind,
    ...(c.target ? { target: c.target } : {}),
    ...(c.routing ? { routingKeys: c.routing.segments.map((s) => `${c.type}.${s}`) } : {}),
    payload,
  };
}

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
