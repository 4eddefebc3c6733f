import { describe, expect, it } from 'vitest';
import { SERVICE_SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import { InvoiceCreated, LedgerPosted, SendInvoiceEmail, UserCreated } from '#contracts/index.js';
import { accepts, only, routingKeyOf } from '#platform/messaging/contract.js';
import { subscriptionDrift, topologyFor } from '#platform/messaging/subscriptions.js';

describe('subscription table', () => {
  it('turns contracts into bindings: each event type once, sorted, and a command queue for commands', () => {
    expect(topologyFor('notification', [UserCreated, InvoiceCreated, UserCreated, SendInvoiceEmail])).toEqual(
      {
        service: 'notification',
        eventTypes: [InvoiceCreated.type, UserCreated.type].sort(),
        commands: true,
      },
    );
    expect(topologyFor('community', [UserCreated]).commands).toBe(false);
  });

  it('names what a service handles beyond the table, and what the table lists that it does not handle', () => {
    const listed = topologyFor('sales', [UserCreated, SendInvoiceEmail]);
    const handled = topologyFor('sales', [UserCreated, InvoiceCreated]);
    expect(subscriptionDrift(handled, listed)).toEqual([
      `handles ${InvoiceCreated.type}, which the table does not list`,
      'the table lists commands it does not handle',
    ]);
    expect(subscriptionDrift(listed, handled)).toEqual([
      `the table lists ${InvoiceCreated.type}, which no handler takes`,
      'handles commands the table does not list',
    ]);
    expect(subscriptionDrift(handled, topologyFor('sales', [InvoiceCreated, UserCreated]))).toEqual([]);
  });

  it("lists only services that receive something, and Notification's commands", () => {
    expect(SERVICE_SUBSCRIPTIONS.map((t) => t.service)).not.toContain('gateway');
    expect(SERVICE_SUBSCRIPTIONS.filter((t) => t.commands).map((t) => t.service)).toEqual(['notification']);
  });

  it('routes a segmented event by its kind, binds a narrowed subscription to its kinds and unbinds the rest', () => {
    const ack = (postingKind: string) => ({
      referenceType: 'x',
      referenceId: 'y',
      postingKind,
      journalId: 'z',
    });
    expect(routingKeyOf(LedgerPosted, ack('bill'))).toBe('common.ledger-posted.bill');
    expect(routingKeyOf(UserCreated, {})).toBe(UserCreated.type);

    const purchase = topologyFor('purchase', [UserCreated, only(LedgerPosted, 'bill', 'po-reservation')]);
    expect(purchase.eventTypes).toEqual([
      'common.ledger-posted.bill',
      'common.ledger-posted.po-reservation',
      UserCreated.type,
    ]);
    expect(purchase.staleKeys).toEqual([
      'common.ledger-posted',
      'common.ledger-posted.invoice',
      'common.ledger-posted.invoice-void',
      'common.ledger-posted.payment',
      'common.ledger-posted.po-reservation-reversal',
      'common.ledger-posted.salary',
    ]);
    // Unnarrowed: every kind, and only the bare type is stale.
    const all = topologyFor('audit', [LedgerPosted]);
    expect(all.eventTypes).toHaveLength(LedgerPosted.routing!.segments.length);
    expect(all.staleKeys).toEqual(['common.ledger-posted']);
    expect(topologyFor('community', [UserCreated]).staleKeys).toBeUndefined();

    expect(accepts(only(LedgerPosted, 'bill'), ack('bill'))).toBe(true);
    expect(accepts(only(LedgerPosted, 'bill'), ack('invoice'))).toBe(false);
    expect(accepts(LedgerPosted, ack('invoice'))).toBe(true);
    expect(() => only(LedgerPosted, 'refund')).toThrow(/no segment/);
    expect(() => only(UserCreated, 'x')).toThrow(/no routing segment/);
  });

  it('binds Purchase and Payroll to the acknowledgements of their own documents only', () => {
    const keysOf = (service: string) => SERVICE_SUBSCRIPTIONS.find((t) => t.service === service)!.eventTypes;
    expect(keysOf('purchase').filter((k) => k.startsWith(LedgerPosted.type))).toEqual([
      'common.ledger-posted.bill',
      'common.ledger-posted.po-reservation',
    ]);
    expect(keysOf('payroll').filter((k) => k.startsWith(LedgerPosted.type))).toEqual([
      'common.ledger-posted.salary',
    ]);
    expect(keysOf('sales').filter((k) => k.startsWith(LedgerPosted.type))).toEqual([
      'common.ledger-posted.invoice',
    ]);
  });
});
