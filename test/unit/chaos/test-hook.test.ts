import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { BROKEN_INVOICE_BALANCE_HOOK, brokenInvoiceBalance } from '#services/common/ledger/test-hooks.js';

describe("Common's broken-build test hook", () => {
  it('is off unless set', () => {
    expect(brokenInvoiceBalance({ VITEST: 'true' })).toBe(false);
    expect(brokenInvoiceBalance({})).toBe(false);
  });

  it('is on only under the test runner', () => {
    expect(brokenInvoiceBalance({ [BROKEN_INVOICE_BALANCE_HOOK]: '1', VITEST: 'true' })).toBe(true);
  });

  it('refuses to start anywhere else, naming the variable', () => {
    expect(() => brokenInvoiceBalance({ [BROKEN_INVOICE_BALANCE_HOOK]: '1' })).toThrow(ConfigError);
    expect(() =>
      brokenInvoiceBalance({ [BROKEN_INVOICE_BALANCE_HOOK]: '1', NODE_ENV: 'production' }),
    ).toThrow(BROKEN_INVOICE_BALANCE_HOOK);
  });
});
