import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContractRegistry, defineEvent } from '#platform/messaging/contract.js';
import { readMessage } from '#platform/messaging/reader.js';

const paid = defineEvent({
  type: 'test.invoice-paid',
  version: 3,
  schema: z.object({ invoiceId: z.uuid(), amount: z.string(), currency: z.string() }),
  upcasters: {
    // v1 had the amount as a number; v2 added the currency.
    1: (p) => ({ ...(p as object), amount: String((p as { amount: number }).amount) }),
    2: (p) => ({ currency: 'INR', ...(p as object) }),
  },
});
const registry = new ContractRegistry([paid]);

function envelope(over: Record<string, unknown> = {}) {
  return {
    messageId: randomUUID(),
    type: 'test.invoice-paid',
    version: 3,
    correlationId: 'corr-1',
    causationId: null,
    organizationId: randomUUID(),
    companyId: null,
    source: 'sales',
    occurredAt: new Date().toISOString(),
    payload: { invoiceId: randomUUID(), amount: '10.00', currency: 'INR' },
    ...over,
  };
}

const read = (v: unknown) =>
  readMessage(Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), registry);

describe('readMessage', () => {
  it('accepts a current message', () => {
    const e = envelope();
    const r = read(e);
    expect(r.ok && r.envelope).toEqual(e);
  });

  it('upcasts an older version through every step to the current one', () => {
    const invoiceId = randomUUID();
    const r = read(envelope({ version: 1, payload: { invoiceId, amount: 12.5 } }));
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.envelope.version).toBe(3);
      expect(r.envelope.payload).toEqual({ invoiceId, amount: '12.5', currency: 'INR' });
    }
  });

  it.each([
    ['invalid-json', '{"messageId": '],
    ['invalid-envelope', JSON.stringify({ hello: 'world' })],
    ['invalid-envelope', JSON.stringify(envelope({ organizationId: 'not-a-uuid' }))],
    ['unknown-type', JSON.stringify(envelope({ type: 'test.nobody-knows' }))],
    ['invalid-payload', JSON.stringify(envelope({ payload: { invoiceId: 'x' } }))],
    ['invalid-payload', JSON.stringify(envelope({ version: 4 }))],
    ['invalid-payload', JSON.stringify(envelope({ version: 2, payload: null }))],
  ])('rejects as %s: %s', (category, body) => {
    const r = read(body);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.category).toBe(category);
      expect(r.reason.length).toBeGreaterThan(5);
    }
  });

  it('names the field that is wrong', () => {
    const r = read(envelope({ payload: { invoiceId: randomUUID(), amount: 5, currency: 'INR' } }));
    expect(!r.ok && r.reason).toContain('amount');
  });

  it('says which upcaster is missing', () => {
    const strict = defineEvent({ type: 'test.strict', version: 2, schema: z.object({ a: z.string() }) });
    const r = readMessage(
      Buffer.from(JSON.stringify(envelope({ type: 'test.strict', version: 1, payload: { a: 'x' } }))),
      new ContractRegistry([strict]),
    );
    expect(!r.ok && r.reason).toContain('no upcaster from v1 to v2');
  });
});
