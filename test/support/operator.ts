import { DEMO_OPERATOR } from '#contracts/demo.js';
import type { TestSystem } from './system.js';

/** The deployment's operator in the demo data (a platform user: docs/adr/0021). */
export const OPERATOR_EMAIL = DEMO_OPERATOR.email;

/** Signs in as the demo operator and returns the bearer token. */
export function operatorToken(system: TestSystem): Promise<string> {
  return system.login(OPERATOR_EMAIL);
}
