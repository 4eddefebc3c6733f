import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { hashPassword } from '#services/common/auth/passwords.js';
import type { Db } from '#platform/data/db.js';
import { addOperator } from '#services/common/operators/add.js';

export const OPERATORS_USAGE = `Usage: dhanman operators add <email> [--name <name>]

Makes <email> an operator of the deployment: a platform user (in no organization) who sees every
organization's dead letters, jobs, sagas and mail, and holds the shared switches.
  - a new email becomes a new platform user; its password is DHANMAN_OPERATOR_PASSWORD when set
    (at least 12 characters), else a random one printed once here
  - an existing platform user becomes an operator (again: nothing changes)
  - an organization's user is refused: operators and organizations are never the same account
Works on Common's database (DATABASE_URL, DATABASE_PREFIX).
`;

export interface OperatorsCliIo {
  /** Common's database, migrated; `close` releases it. */
  open(): Promise<{ db: Db; close(): Promise<void> }>;
  env: Record<string, string | undefined>;
  out(text: string): void;
  err(text: string): void;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

/** `dhanman operators ...`; returns the exit code (0 done, 1 refused, 2 usage). */
export async function runOperatorsCli(argv: string[], io: OperatorsCliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { name: { type: 'string' } } });
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${OPERATORS_USAGE}`);
    return 2;
  }
  const [command, email, ...extra] = parsed.positionals;
  if (command !== 'add' || !email || extra.length > 0 || !EMAIL.test(email)) {
    io.err(`${command === 'add' && email ? `not an email: ${email}\n\n` : ''}${OPERATORS_USAGE}`);
    return 2;
  }
  const given = io.env.DHANMAN_OPERATOR_PASSWORD;
  if (given !== undefined && given.length < 12) {
    io.err('DHANMAN_OPERATOR_PASSWORD: expected at least 12 characters');
    return 2;
  }
  const password = given ?? randomBytes(18).toString('base64url');
  const { db, close } = await io.open();
  try {
    const result = await addOperator(db, {
      email,
      name: parsed.values.name ?? email.slice(0, email.indexOf('@')),
      passwordHash: () => hashPassword(password),
      grantedBy: `command line (${io.env.USER ?? 'unknown user'})`,
    });
    switch (result.outcome) {
      case 'organization-user':
        io.err(
          `${email} is a user of organization ${result.organizationId}: an operator is a platform user, ` +
            "never an organization's. Use another address for the operator.",
        );
        return 1;
      case 'already':
        io.out(`${email} is already an operator (user ${result.userId}).`);
        return 0;
      case 'granted':
        io.out(`${email} is now an operator (user ${result.userId}); their password is unchanged.`);
        return 0;
      case 'created':
        io.out(
          `${email} is now an operator: a new platform user ${result.userId}.` +
            (given === undefined ? `\npassword: ${password}\n(shown once; sign in and keep it safe)` : ''),
        );
        return 0;
    }
  } finally {
    await close();
  }
}
