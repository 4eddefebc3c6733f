import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { refuseDefaultSecrets } from '../../../bin/secret-rules.js';
import { productionSecretRules } from '../../../bin/production-secrets.js';

const production = { DATABASE_URL: 'postgres://h/db', AMQP_URL: 'amqp://h' };
const strong = (tag: string) => `${tag}-${'x'.repeat(40)}`;

function problems(
  services: Parameters<typeof productionSecretRules>[0],
  seed: boolean,
  env: Record<string, string>,
) {
  try {
    refuseDefaultSecrets(productionSecretRules(services, seed), env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('secrets production refuses', () => {
  it('checks nothing in the embedded mode', () => {
    expect(problems(['common', 'sales'], true, {})).toEqual([]);
  });

  it('asks a process for its own secrets only, and Common for every service’s', () => {
    const sales = problems(['sales'], false, production);
    expect(sales.map((p) => p.split(':')[0])).toEqual(['SALES_CLIENT_SECRET', 'GATEWAY_API_KEY']);
    const common = problems(['common'], false, production).map((p) => p.split(':')[0]);
    expect(common).toContain('NOTIFICATION_CLIENT_SECRET');
    expect(common).toContain('AUTH_KEY_ENCRYPTION_KEY');
    expect(common).not.toContain('DHANMAN_DEMO_PASSWORD');
  });

  it('refuses a short secret and one service’s secret reused by another, never echoing a value', () => {
    const env: Record<string, string> = { ...production, AUTH_KEY_ENCRYPTION_KEY: 'k' };
    for (const name of ['COMMON', 'COMMUNITY', 'SALES', 'PURCHASE', 'PAYROLL', 'NOTIFICATION', 'GATEWAY'])
      env[`${name}_CLIENT_SECRET`] = strong(name);
    env.PAYROLL_CLIENT_SECRET = env.SALES_CLIENT_SECRET!;
    env.GATEWAY_CLIENT_SECRET = 'short-secret';
    const found = problems(['common'], false, env);
    expect(found).toEqual([
      expect.stringMatching(/^PAYROLL_CLIENT_SECRET: the same value as SALES_CLIENT_SECRET/),
      expect.stringMatching(/^GATEWAY_CLIENT_SECRET: shorter than 32 characters/),
    ]);
    expect(found.join('\n')).not.toContain(env.SALES_CLIENT_SECRET);
  });

  it('refuses the public demo password when the process seeds the demo', () => {
    expect(problems(['community'], true, { ...production, COMMUNITY_CLIENT_SECRET: strong('c') })).toEqual([
      expect.stringMatching(/^DHANMAN_DEMO_PASSWORD: not set/),
    ]);
  });
});
