import { describe, expect, it } from 'vitest';
import { chargeOutcomeOf } from '#services/sales/payments/gateway.js';

const charge = (status: 'succeeded' | 'declined') => ({
  transactionId: 'txn_1',
  status,
  declineReason: status === 'declined' ? 'card_declined' : null,
});

/** Only a recognised success or an explicit decline is an outcome; anything else may have charged. */
describe('reading a gateway answer to a charge', () => {
  it('knows a 201 success and a 402 decline', () => {
    expect(chargeOutcomeOf(201, charge('succeeded'), '')).toEqual({
      kind: 'succeeded',
      transactionId: 'txn_1',
    });
    expect(chargeOutcomeOf(402, charge('declined'), '')).toEqual({
      kind: 'declined',
      reason: 'card_declined',
    });
  });

  it.each([
    ['200 with an unexpected body', 200, { ok: true }],
    ['200 with a succeeded charge', 200, charge('succeeded')],
    ['201 saying declined', 201, charge('declined')],
    ['201 without a body', 201, undefined],
    ['402 saying succeeded', 402, charge('succeeded')],
    ['402 with a problem body', 402, { title: 'Payment required' }],
    ['400', 400, { title: 'Bad request' }],
    ['401', 401, { title: 'Unauthorized' }],
    ['422 key reused', 422, { title: 'Idempotency key reused' }],
  ])('calls %s unknown', (_name, status, body) => {
    expect(chargeOutcomeOf(status, body, JSON.stringify(body ?? '')).kind).toBe('unknown');
  });
});
