import { ConfigError } from '#platform/config/env.js';

/**
 * A deliberately broken build, for one test only: with this variable set, Common moves a
 * customer's balance twice for every invoice (the second time under a reference no idempotency
 * check knows), the bug a lost idempotency check would be. The chaos test sets it to prove its
 * checker reports the violated invariant with the documents (test/integration/chaos/).
 */
export const BROKEN_INVOICE_BALANCE_HOOK = 'DHANMAN_TEST_HOOK_BREAK_INVOICE_BALANCE';

/**
 * Whether the hook is on. Only the test runner may turn it on: it is honoured when vitest runs
 * the process tree (`VITEST` set), and anywhere else Common refuses to start naming the variable,
 * so a deployment that sets it by mistake stops loudly instead of corrupting balances quietly.
 */
export function brokenInvoiceBalance(env: Record<string, string | undefined>): boolean {
  const value = env[BROKEN_INVOICE_BALANCE_HOOK];
  if (value === undefined || value === '' || value === '0') return false;
  if (!env.VITEST) {
    throw new ConfigError([
      `${BROKEN_INVOICE_BALANCE_HOOK}: a test hook that breaks the ledger on purpose; it is refused outside the test runner (unset it)`,
    ]);
  }
  return true;
}
