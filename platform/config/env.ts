import { z } from 'zod';

/** A configuration problem the operator must fix; printed as a plain message, never a stack trace. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose values are never echoed in a configuration error. */
const SECRET_VARIABLE = /PASSWORD|SECRET|TOKEN|KEY|_PASS\b/;

/**
 * Validates environment variables against a zod object whose keys are the variable names.
 * Every problem is reported at once, naming the variable and what it expected.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    picked[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(picked);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(config)');
    const got = picked[variable];
    const shown =
      got === undefined
        ? 'it is not set'
        : SECRET_VARIABLE.test(variable)
          ? `got a value of ${got.length} characters, not shown`
          : // A URL's password (postgres://user:secret@host) is masked too.
            `got ${JSON.stringify(maskUrlPasswords(got))}`;
    return `${variable}: ${issue.message} (${shown})`;
  });
  throw new ConfigError(problems);
}

/** Every URL's password (postgres://user:secret@host) masked, in a value that may list several. */
export const maskUrlPasswords = (value: string): string =>
  value.replace(/(\/\/[^/:@\s,]*:)[^@/\s,]*@/g, '$1***@');

/** Problems of one comma-separated list of URLs, each entry named by its position (a single URL: as `url`). */
function urlListProblems(value: string, protocols: string[]): string[] {
  const entries = value.split(',').map((e) => e.trim());
  const kinds = protocols.map((p) => `${p}://`).join(' or ');
  return entries.flatMap((entry, i) => {
    const which =
      entries.length === 1
        ? ''
        : `entry ${i + 1} of ${entries.length} (${JSON.stringify(maskUrlPasswords(entry))}): `;
    if (!URL.canParse(entry)) return [`${which}expected a URL (${protocols.join(', ')})`];
    if (!protocols.some((p) => entry.startsWith(`${p}://`)))
      return [`${which}expected a URL starting with ${kinds}`];
    return [];
  });
}

/** Helpers for variables that hold numbers, lists and booleans as text. */
export const env = {
  int: (def: number, min = 0) => z.coerce.number().int().min(min).default(def),
  port: (def: number) => z.coerce.number().int().min(1).max(65535).default(def),
  msList: (def: readonly number[]) =>
    z
      .string()
      .regex(/^\d+(,\d+)*$/, 'expected a comma-separated list of whole milliseconds, e.g. "1000,5000"')
      .transform((s) => s.split(',').map(Number))
      .prefault(def.join(',')),
  bool: (def: boolean) =>
    z
      .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
      .transform((s) => s === 'true' || s === '1')
      .prefault(String(def) as 'true' | 'false'),
  url: (protocols: string[]) =>
    z
      .url({ message: `expected a URL (${protocols.join(', ')})` })
      .refine(
        (u) => protocols.some((p) => u.startsWith(`${p}://`)),
        `expected a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
      ),
  /** One URL or several, comma-separated (e.g. the nodes of a cluster); kept as the text given. */
  urlList: (protocols: string[]) =>
    z.string().superRefine((value, ctx) => {
      for (const message of urlListProblems(value, protocols)) ctx.addIssue({ code: 'custom', message });
    }),
};

/** Exits the process with the configuration message and code 78 (EX_CONFIG). */
export function exitOnConfigError(err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(78);
  }
  throw err;
}
