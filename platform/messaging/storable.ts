/** Makes a value storable as jsonb: Buffers as text, no NUL characters (PostgreSQL refuses them). */
export function jsonSafe(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return textSafe(value.toString('utf8'));
  if (typeof value === 'string') return textSafe(value);
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [textSafe(k), jsonSafe(v)]));
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return value;
}

export const textSafe = (s: string): string => s.replaceAll('\u0000', '\uFFFD');
