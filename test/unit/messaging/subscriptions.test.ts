import { describe, expect, it } from 'vitest';
import { SERVICE_SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import { InvoiceCreated, SendInvoiceEmail, UserCreated } from '#contracts/index.js';
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
});
