import { ConfigError } from '#platform/config/env.js';

/**
 * A secret that production must not run with a built-in or public value of. Unset counts as the
 * built-in (every secret here has one for the embedded mode, or none at all, as an unsealed key).
 * The list a process checks is built by its entry point (`production-secrets.ts`): add a rule
 * there for each new credential.
 */
export interface SecretRule {
  variable: string;
  /** What unset means, for the message ("the built-in value", "signing keys stored in the clear"). */
  unsetMeans: string;
  /** Values everyone knows (in the source, the README): refused as if unset. */
  publicValues?: readonly string[];
  /** Shorter values are refused (a guessable secret is a default by another name). */
  minLength?: number;
  /** Rules sharing a group must all hold different values (one credential each). */
  distinctGroup?: string;
}

/** Production: PostgreSQL and RabbitMQ (the embedded mode alone may use built-in secrets). */
export function isProduction(env: Record<string, string | undefined>): boolean {
  return Boolean(env.DATABASE_URL?.trim() && env.AMQP_URL?.trim());
}

const FIX =
  'production (DATABASE_URL and AMQP_URL set) needs a secret of its own, e.g. openssl rand -base64 32';

/** Every rule the environment breaks, one line each naming the variable; never the value. */
export function defaultSecretProblems(rules: readonly SecretRule[], env: Record<string, string | undefined>) {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  for (const rule of rules) {
    const value = env[rule.variable]?.trim();
    if (!value) {
      problems.push(`${rule.variable}: not set, so ${rule.unsetMeans}; ${FIX}`);
    } else if (rule.publicValues?.includes(value)) {
      problems.push(`${rule.variable}: holds the public built-in value; ${FIX}`);
    } else if (rule.minLength !== undefined && value.length < rule.minLength) {
      problems.push(`${rule.variable}: shorter than ${rule.minLength} characters; ${FIX}`);
    } else if (rule.distinctGroup) {
      const key = `${rule.distinctGroup}\u0000${value}`;
      const other = seen.get(key);
      if (other) problems.push(`${rule.variable}: the same value as ${other}; each needs its own`);
      else seen.set(key, rule.variable);
    }
  }
  return problems;
}

/**
 * In production, refuses (ConfigError: exit 78 naming each variable) any default or public secret.
 * Call it before anything connects or loads: it reads only the environment.
 */
export function refuseDefaultSecrets(
  rules: readonly SecretRule[],
  env: Record<string, string | undefined>,
): void {
  if (!isProduction(env)) return;
  const problems = defaultSecretProblems(rules, env);
  if (problems.length > 0) throw new ConfigError(problems);
}
