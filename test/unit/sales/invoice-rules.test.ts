import { describe, expect, it } from 'vitest';
import { formatInvoiceNumber, periodOf } from '#services/sales/invoices/numbering.js';
import { createInvoiceBodySchema, draftInvoice, InvoiceRuleError } from '#services/sales/invoices/request.js';

const customerId = '3e209c74-5d31-4f2c-a083-000000000001';

describe('invoice numbers', () => {
  it('are INV-YYYYMM-0001 per month, growing past four digits', () => {
    expect(periodOf('2025-01-31')).toBe('202501');
    expect(formatInvoiceNumber('202501', 1)).toBe('INV-202501-0001');
    expect(formatInvoiceNumber('202512', 42)).toBe('INV-202512-0042');
    expect(formatInvoiceNumber('202512', 12345)).toBe('INV-202512-12345');
    expect(() => formatInvoiceNumber('202501', 0)).toThrow(RangeError);
    expect(() => periodOf('31/01/2025')).toThrow(RangeError);
  });
});

describe('invoice request', () => {
  const parse = (body: unknown) => createInvoiceBodySchema.safeParse(body);

  it('takes an amount alone and makes one line of it', () => {
    const body = parse({ customerId, amount: '2500', dueDate: '2025-02-10' });
    expect(body.success).toBe(true);
    const draft = draftInvoice(body.data!, '2025-01-15');
    expect(draft).toMatchObject({ amount: '2500.00', issueDate: '2025-01-15', dueDate: '2025-02-10' });
    expect(draft.lines).toEqual([
      { position: 1, description: 'Charges', quantity: 1, unitPrice: '2500.00', amount: '2500.00' },
    ]);
  });

  it('sums lines exactly (no float drift)', () => {
    const body = parse({
      customerId,
      dueDate: '2025-02-10',
      lines: [
        { description: 'Maintenance', unitPrice: '0.10', quantity: 3 },
        { description: 'Water', unitPrice: 0.2 },
      ],
    });
    const draft = draftInvoice(body.data!, '2025-01-15');
    expect(draft.amount).toBe('0.50');
    expect(draft.lines.map((l) => l.amount)).toEqual(['0.30', '0.20']);
  });

  it('refuses bad input at the schema', () => {
    for (const bad of [
      { customerId, amount: '-1', dueDate: '2025-02-10' },
      { customerId, amount: 0, dueDate: '2025-02-10' },
      { customerId, amount: '10.001', dueDate: '2025-02-10' },
      { customerId, amount: '10', dueDate: '2025-02-31' },
      { customerId, amount: '10', dueDate: '10/02/2025' },
      { customerId, dueDate: '2025-02-10' },
      { customerId: 'nope', amount: '10', dueDate: '2025-02-10' },
      { customerId, amount: '10' },
      { customerId, dueDate: '2025-02-10', lines: [] },
      { customerId, dueDate: '2025-02-10', lines: [{ description: 'x', unitPrice: '1', quantity: 1.5 }] },
    ]) {
      expect(parse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('refuses an amount that disagrees with the lines, and a due date before the issue date', () => {
    const mismatch = parse({
      customerId,
      amount: '5',
      dueDate: '2025-02-10',
      lines: [{ description: 'x', unitPrice: '4' }],
    });
    expect(() => draftInvoice(mismatch.data!, '2025-01-15')).toThrow(InvoiceRuleError);
    const early = parse({ customerId, amount: '5', dueDate: '2025-01-01' });
    expect(() => draftInvoice(early.data!, '2025-01-15')).toThrow(/before the issue date/);
  });

  it('refuses a total beyond what numeric(14,2) holds', () => {
    const huge = parse({
      customerId,
      dueDate: '2025-02-10',
      lines: [{ description: 'x', unitPrice: '999999999999.99', quantity: 2 }],
    });
    expect(() => draftInvoice(huge.data!, '2025-01-15')).toThrow(/too large/);
  });
});
