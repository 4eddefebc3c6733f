/**
 * Service names become database, schema and role names: keep them to plain lower-case identifiers
 * so they never need escaping tricks and fit PostgreSQL's 63-byte limit with a prefix.
 */
const SERVICE_NAME = /^[a-z][a-z0-9_]{0,39}$/;

export function assertServiceName(service: string): void {
  if (!SERVICE_NAME.test(service)) {
    throw new Error(
      `invalid service name '${service}': expected lower-case letters, digits and _ (at most 40, starting with a letter)`,
    );
  }
}

/** Double-quotes an identifier for SQL text (identifiers cannot be bound as parameters). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A uuid in its text form (any case): what a row id or organization id must look like. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
