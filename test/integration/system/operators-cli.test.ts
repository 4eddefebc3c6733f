import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_ORGANIZATION, DEMO_USERS } from '#contracts/demo.js';
import { launch } from '../../support/processes.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';

const OPERATOR_EMAIL = 'night-shift@deployment.test';

/** The claims of a token (its signature is Common's business; here only what it says). */
const claimsOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/**
 * `npm run dhanman -- operators add EMAIL` against a deployment's Common database (PostgreSQL): a
 * new platform user who signs in as an operator; never an organization's user.
 */
describe('dhanman operators add', () => {
  let system: TestSystem;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'distributed', only: ['common'] });
  }, 180_000);
  afterAll(() => system?.stop());

  const run = async (args: string[], env: Record<string, string | undefined> = system.env) => {
    const cli = launch('bin/dhanman.ts', ['operators', ...args], {
      ...env,
      DHANMAN_OPERATOR_PASSWORD: undefined,
    });
    const code = await cli.exited;
    return { code, output: cli.output() };
  };

  it('makes a new platform user an operator, who signs in with the printed password', async () => {
    const first = await run(['add', OPERATOR_EMAIL, '--name', 'Night Shift']);
    expect(first.code, first.output).toBe(0);
    const password = /password: (\S+)/.exec(first.output)?.[1];
    expect(password, first.output).toBeDefined();

    const token = await system.login(OPERATOR_EMAIL, password);
    const claims = claimsOf(token);
    expect(claims.platformRoles).toEqual(['operator']);
    // A platform user: no organization role, in no society.
    expect(claims.roles).toEqual([]);
    expect(claims.org).not.toBe(DEMO_ORGANIZATION.id);
    const deadLetters = await fetch(`${system.url('common')}/api/ops/dead-letters`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deadLetters.status).toBe(200);

    const again = await run(['add', OPERATOR_EMAIL]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('already an operator');
    // The password is not changed, nor printed again.
    expect(again.output).not.toContain('password:');
    await system.login(OPERATOR_EMAIL, password);
  });

  it("refuses an organization's user, a malformed email and a deployment without DATABASE_URL", async () => {
    const admin = DEMO_USERS[0].email;
    const refused = await run(['add', admin]);
    expect(refused.code, refused.output).toBe(1);
    expect(refused.output).toContain("never an organization's");
    expect(claimsOf(await system.login(admin)).platformRoles).toBeUndefined();

    expect((await run(['add', 'not-an-email'])).code).toBe(2);
    expect((await run(['grant', OPERATOR_EMAIL])).code).toBe(2);
    const { DATABASE_URL: _unset, ...embedded } = system.env;
    const noDatabase = await run(['add', OPERATOR_EMAIL], embedded);
    expect(noDatabase.code).toBe(78);
    expect(noDatabase.output).toContain('DATABASE_URL');
  });
});
