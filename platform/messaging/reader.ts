import type { z } from 'zod';
import type { ContractRegistry, MessageContract } from './contract.js';
import { envelopeSchema, type Envelope } from './envelope.js';

export type RejectCategory = 'invalid-json' | 'invalid-envelope' | 'unknown-type' | 'invalid-payload';

export type ReadResult =
  | { ok: true; envelope: Envelope; contract: MessageContract }
  | { ok: false; category: RejectCategory; reason: string };

const MAX_ISSUES = 10;

function describeIssues(error: z.ZodError): string {
  const shown = error.issues
    .slice(0, MAX_ISSUES)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);
  const more = error.issues.length > MAX_ISSUES ? `; and ${error.issues.length - MAX_ISSUES} more` : '';
  return shown.join('; ') + more;
}

/**
 * Turns a delivered body into an envelope whose payload satisfies the current version of its
 * contract, or says why it cannot: not JSON, not an envelope, a type nobody declared, or a payload
 * that does not fit (after lifting an older version through the contract's upcasters).
 */
export function readMessage(body: Buffer | string, registry: ContractRegistry): ReadResult {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    return { ok: false, category: 'invalid-json', reason: `the body is not JSON: ${(err as Error).message}` };
  }
  const parsed = envelopeSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      category: 'invalid-envelope',
      reason: `not a valid envelope: ${describeIssues(parsed.error)}`,
    };
  }
  const envelope = parsed.data;
  const contract = registry.get(envelope.type);
  if (!contract) {
    return {
      ok: false,
      category: 'unknown-type',
      reason: `no contract declares message type ${envelope.type}`,
    };
  }
  if (envelope.version > contract.version) {
    return {
      ok: false,
      category: 'invalid-payload',
      reason: `${envelope.type} v${envelope.version} is newer than v${contract.version}, the latest this service knows`,
    };
  }
  let payload = envelope.payload;
  for (let v = envelope.version; v < contract.version; v++) {
    const upcast = contract.upcasters[v];
    if (!upcast) {
      return {
        ok: false,
        category: 'invalid-payload',
        reason: `${envelope.type}: no upcaster from v${v} to v${v + 1}`,
      };
    }
    try {
      payload = upcast(payload);
    } catch (err) {
      return {
        ok: false,
        category: 'invalid-payload',
        reason: `${envelope.type}: upcasting v${v} to v${v + 1} failed: ${(err as Error).message}`,
      };
    }
  }
  const checked = contract.schema.safeParse(payload);
  if (!checked.success) {
    return {
      ok: false,
      category: 'invalid-payload',
      reason: `invalid ${envelope.type} v${envelope.version} payload: ${describeIssues(checked.error)}`,
    };
  }
  return { ok: true, contract, envelope: { ...envelope, version: contract.version, payload: checked.data } };
}
