import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JsonSchema } from '../../../tools/contracts/published-store.js';
import { schemaBreaks } from '../../../tools/contracts/schema-compatibility.js';

/** As the gate sees a contract: the JSON Schema of what a consumer parses. */
const json = (schema: z.ZodType) => z.toJSONSchema(schema, { target: 'draft-7', io: 'input' }) as JsonSchema;
const breaks = (published: z.ZodType, current: z.ZodType) =>
  schemaBreaks(json(published), json(current)).map((b) => `${b.kind} ${b.path}`);

const invoice = {
  invoiceId: z.uuid(),
  amount: z.string().regex(/^\d+\.\d{2}$/),
  status: z.enum(['open', 'paid']),
  note: z.string().optional(),
  lines: z.array(z.object({ sku: z.string().min(1), quantity: z.number().int() })),
};
const v1 = z.object(invoice);

describe('contract compatibility: changes that break a consumer of the published version', () => {
  it('catches a field removed', () => {
    const { note: _note, ...rest } = invoice;
    expect(breaks(v1, z.object(rest))).toEqual(['field-removed note']);
  });

  it('catches a field renamed (the old name is gone, the new one is required)', () => {
    const { invoiceId, ...rest } = invoice;
    expect(breaks(v1, z.object({ ...rest, id: invoiceId }))).toEqual([
      'field-removed invoiceId',
      'field-now-required id',
    ]);
  });

  it('catches an optional field made required, and a new required field', () => {
    expect(breaks(v1, z.object({ ...invoice, note: z.string() }))).toEqual(['field-now-required note']);
    expect(breaks(v1, z.object({ ...invoice, currency: z.string() }))).toEqual([
      'field-now-required currency',
    ]);
  });

  it('catches a type narrowed: another type, number to integer, nullable to not, string to literal, a tighter bound', () => {
    expect(breaks(v1, z.object({ ...invoice, amount: z.number() }))).toEqual(['type-narrowed amount']);
    const loose = z.object({
      total: z.number(),
      ref: z.string().nullable(),
      kind: z.string(),
      name: z.string(),
    });
    expect(
      breaks(
        loose,
        z.object({
          total: z.number().int(),
          ref: z.string(),
          kind: z.literal('a'),
          name: z.string().max(10),
        }),
      ),
    ).toEqual(['type-narrowed total', 'type-narrowed ref', 'type-narrowed kind', 'constraint-narrowed name']);
  });

  it('catches an enum value removed, and a break deep inside an array of objects', () => {
    expect(breaks(v1, z.object({ ...invoice, status: z.enum(['open']) }))).toEqual([
      'enum-value-removed status',
    ]);
    const lines = z.array(z.object({ sku: z.string().min(3), quantity: z.number().int() }));
    expect(breaks(v1, z.object({ ...invoice, lines }))).toEqual(['constraint-narrowed lines[].sku']);
  });

  it('says what changed, where', () => {
    const [found] = schemaBreaks(json(v1), json(z.object({ ...invoice, status: z.enum(['open']) })));
    expect(found).toEqual({ kind: 'enum-value-removed', path: 'status', detail: 'no longer accepts "paid"' });
  });
});

describe('contract compatibility: additive changes pass', () => {
  it('lets the same schema through', () => {
    expect(breaks(v1, z.object(invoice))).toEqual([]);
  });

  it('lets a new optional field through (also one with a default)', () => {
    expect(
      breaks(v1, z.object({ ...invoice, memo: z.string().optional(), channel: z.string().default('email') })),
    ).toEqual([]);
  });

  it('lets a new enum value through', () => {
    expect(breaks(v1, z.object({ ...invoice, status: z.enum(['open', 'paid', 'void']) }))).toEqual([]);
  });

  it('lets a widened type through: integer to number, nullable, union, a looser bound, a literal to string', () => {
    const lines = z.array(z.object({ sku: z.string(), quantity: z.number() }).nullable());
    expect(breaks(v1, z.object({ ...invoice, lines, amount: z.union([z.string(), z.number()]) }))).toEqual(
      [],
    );
    expect(breaks(z.object({ kind: z.literal('a') }), z.object({ kind: z.string() }))).toEqual([]);
  });

  it('lets a required field become optional', () => {
    expect(breaks(v1, z.object({ ...invoice, invoiceId: z.uuid().optional() }))).toEqual([]);
  });
});
