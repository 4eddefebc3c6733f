import { describe, expect, it } from 'vitest';
import { formatMoney, renderMail, TEMPLATE_NAMES } from '#services/notification/templates/render.js';

const base = { organizationName: 'Green Meadows Residents Society', recipientName: 'Rohan Resident' };

describe('mail templates', () => {
  it('renders an invoice with the organization, number, amount and due date in every part', () => {
    const mail = renderMail('invoice-created', {
      ...base,
      invoice: {
        number: 'INV-202501-0007',
        amount: formatMoney('2500.00'),
        dueDate: '2025-02-10',
        issueDate: '2025-01-10',
      },
    });
    expect(mail.subject).toBe(
      'Invoice INV-202501-0007 from Green Meadows Residents Society: ₹2,500.00 due 2025-02-10',
    );
    for (const part of [mail.html, mail.text]) {
      expect(part).toContain('INV-202501-0007');
      expect(part).toContain('₹2,500.00');
      expect(part).toContain('2025-02-10');
      expect(part).toContain('Rohan Resident');
      expect(part).toContain('Green Meadows Residents Society');
    }
    expect(mail.html).toContain('<html>');
    expect(mail.text).not.toContain('<');
  });

  it('escapes HTML in the HTML part only, and keeps the subject on one line', () => {
    const mail = renderMail('po-rejected', {
      ...base,
      recipientName: 'A <b>bold</b> name',
      po: { number: 'PO-1\r\nBcc: x@evil', amount: '₹1.00', decidedByName: 'CFO', comments: 'over <budget>' },
    });
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).toContain('A &lt;b&gt;bold&lt;/b&gt; name');
    expect(mail.html).toContain('over &lt;budget&gt;');
    expect(mail.text).toContain('A <b>bold</b> name');
  });

  it('has a subject, HTML and text for every template the design names', () => {
    expect([...TEMPLATE_NAMES].sort()).toEqual(
      [
        'invoice-created',
        'payment-receipt',
        'payment-reminder',
        'payslip',
        'po-approval-required',
        'po-approved',
        'po-rejected',
        'sign-up-attempted',
        'sign-up-link',
      ].sort(),
    );
    const po = {
      number: 'PO-202501-0001',
      amount: '₹60,000.00',
      vendorName: 'Sparkle',
      requestedByName: 'Meera',
      requiredRoles: ['manager', 'cfo'],
      decidedByName: 'Chetan',
    };
    const samples = {
      'payment-receipt': {
        payment: {
          invoiceNumber: 'INV-1',
          amount: '₹1.00',
          transactionId: 'tx-1',
          paidAt: '2025-01-01T00:00:00Z',
        },
      },
      'payment-reminder': { invoice: { number: 'INV-1', amount: '₹1.00', dueDate: '2025-01-01' } },
      'po-approval-required': { po },
      'po-approved': { po },
      'po-rejected': { po },
      payslip: { payslip: { period: '2025-01', netPay: '₹45,000.00' } },
      'sign-up-link': {
        signUp: {
          organizationName: 'Hillside',
          link: 'http://127.0.0.1:8080/sign-up/verify?token=abc',
          expiresAt: '2025-01-02T00:00:00Z',
        },
      },
      'sign-up-attempted': { attempt: { at: '2025-01-01T00:00:00Z' } },
    } as const;
    for (const [name, data] of Object.entries(samples)) {
      const mail = renderMail(name as 'payslip', { ...base, ...(data as object) } as never);
      expect(mail.subject.length, name).toBeGreaterThan(5);
      expect(mail.text, name).toContain('Rohan Resident');
      expect(mail.html, name).toContain('Green Meadows Residents Society');
    }
    expect(renderMail('po-approval-required', { ...base, po }).text).toContain('manager, cfo');
  });

  it('formats money with Indian grouping, exactly', () => {
    expect(formatMoney('100000.50')).toBe('₹1,00,000.50');
    expect(formatMoney('999999999999.99')).toBe('₹9,99,99,99,99,999.99');
    expect(formatMoney('0.10')).toBe('₹0.10');
  });
});
