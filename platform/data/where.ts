const COLUMN = /^[a-z_][a-z0-9_.]*$/;

/**
 * The conditions `column = $n` of a list's optional filters, for a WHERE clause: one for each
 * column given a value (an undefined one filters nothing), its value appended to `params`.
 */
export function equalityConditions(params: unknown[], filters: Readonly<Record<string, unknown>>): string[] {
  const conditions: string[] = [];
  for (const [column, value] of Object.entries(filters)) {
    if (!COLUMN.test(column)) throw new Error(`not a plain column name: ${column}`);
    if (value === undefined) continue;
    conditions.push(`${column} = $${params.push(value)}`);
  }
  return conditions;
}
