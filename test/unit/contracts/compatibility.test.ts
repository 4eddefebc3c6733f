import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { allContracts } from '#contracts/index.js';
import { PUBLISHED_DIR } from '../../../bin/message-catalogue.js';
import { defineEvent } from '#platform/messaging/contract.js';
import { publishedFormOf, readPublished } from '../../../tools/contracts/published-store.js';
import { checkContracts, recordable } from '../../../tools/contracts/contract-gate.js';

describe('contract compatibility gate (contracts/published/)', () => {
  it('every message version in contracts/ is recorded, and none breaks the consumers of a recorded version', () => {
    const findings = checkContracts(allContracts, readPublished(PUBLISHED_DIR));
    const mustChangeCode = findings.filter((f) => !recordable(f));
    expect(mustChangeCode.map((f) => f.message).join('\n\n'), 'a change breaks consumers').toBe('');
    expect(findings.map((f) => f.message).join('\n'), 'run `npm run contracts:record`').toBe('');
  });
});

describe('contract gate decisions', () => {
  const v1 = defineEvent({
    type: 'test.thing-happened',
    version: 1,
    schema: z.object({ id: z.uuid(), size: z.enum(['s', 'm']) }),
  });
  const recorded = [publishedFormOf(v1)];
  const problems = (c: Parameters<typeof publishedFormOf>[0], published = recorded) =>
    checkContracts([c], published).map((f) => f.problem);

  it('passes the recorded version unchanged', () => {
    expect(problems(v1)).toEqual([]);
  });

  it('asks to record a version it has not seen, and an additive change', () => {
    expect(problems(v1, [])).toEqual(['unrecorded']);
    const wider = {
      ...v1,
      schema: z.object({ id: z.uuid(), size: z.enum(['s', 'm', 'l']), note: z.string().optional() }),
    };
    const [finding] = checkContracts([wider], recorded);
    expect(finding?.problem).toBe('additive');
    expect(finding?.message).toContain('npm run contracts:record');
  });

  it('refuses a breaking change, saying to add a version and an upcaster', () => {
    const narrower = { ...v1, schema: z.object({ id: z.uuid(), size: z.enum(['s']) }) };
    const [finding] = checkContracts([narrower], recorded);
    expect(finding?.problem).toBe('breaking');
    expect(finding?.message).toContain('size: enum-value-removed');
    expect(finding?.message).toContain('Declare version 2 with the new schema and an upcaster 1 → 2');
  });

  it('accepts the break as a new version with an upcaster from the recorded one, and not without it', () => {
    const schema = z.object({ id: z.uuid(), size: z.enum(['small', 'medium']) });
    const upcast = (p: unknown) => ({
      ...(p as object),
      size: (p as { size: string }).size === 's' ? 'small' : 'medium',
    });
    const v2 = defineEvent({ type: v1.type, version: 2, schema, upcasters: { 1: upcast } });
    expect(problems(v2, [...recorded, publishedFormOf(v2)])).toEqual([]);
    const withoutUpcaster = defineEvent({ type: v1.type, version: 2, schema });
    expect(problems(withoutUpcaster, [...recorded, publishedFormOf(withoutUpcaster)])).toEqual([
      'upcaster-missing',
    ]);
  });

  it('refuses a recorded message type the code no longer declares, and a version that went back', () => {
    expect(checkContracts([], recorded).map((f) => f.problem)).toEqual(['type-removed']);
    const v2 = defineEvent({ type: v1.type, version: 2, schema: v1.schema, upcasters: { 1: (p) => p } });
    expect(problems(v1, [...recorded, publishedFormOf(v2)])).toEqual(['breaking']);
  });
});
