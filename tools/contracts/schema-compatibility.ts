/**
 * Whether a message schema can replace the one a version was published with, without breaking a
 * consumer of that version. Works on the JSON Schema subset zod emits (type, anyOf, enum/const,
 * properties/required, items, string and number bounds). The rule: the current schema must accept
 * every payload the published one accepted, and still declare every field it declared (a consumer
 * may read it). Pure: no I/O.
 */

import type { JsonSchema } from './published-store.js';

export type BreakKind =
  'field-removed' | 'field-now-required' | 'type-narrowed' | 'enum-value-removed' | 'constraint-narrowed';

export interface SchemaBreak {
  kind: BreakKind;
  /** Where in the payload, e.g. `payslips[].email`; `(payload)` for the root. */
  path: string;
  detail: string;
}

/** The ways `current` breaks consumers of `published` (empty: compatible). */
export function schemaBreaks(published: JsonSchema, current: JsonSchema): SchemaBreak[] {
  return compare(published, current, '');
}

const where = (path: string) => path || '(payload)';

function compare(published: JsonSchema, current: JsonSchema, path: string): SchemaBreak[] {
  if (isAnything(current)) return [];
  if (isAnything(published)) {
    return [{ kind: 'type-narrowed', path: where(path), detail: 'accepted any value, now constrained' }];
  }
  const breaks: SchemaBreak[] = [];
  const candidates = alternatives(current);
  for (const old of alternatives(published)) {
    const sameType = candidates.filter((c) => typeAccepts(c.type, old.type));
    if (sameType.length === 0) {
      breaks.push({
        kind: 'type-narrowed',
        path: where(path),
        detail: `no longer accepts ${old.type ?? 'untyped values'}`,
      });
      continue;
    }
    // The alternative that accepts this one with the fewest objections speaks for the change.
    const found = sameType.map((c) => compareSameType(old.schema, c.schema, path));
    const best = found.reduce((a, b) => (b.length < a.length ? b : a));
    breaks.push(...best);
  }
  return breaks;
}

interface Alternative {
  type: string | undefined;
  schema: JsonSchema;
}

function isAnything(s: JsonSchema): boolean {
  return Object.keys(s).filter((k) => !ANNOTATIONS.has(k)).length === 0;
}

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'default', 'examples', '$id', '$comment']);

/** A schema as the union of single-type alternatives (anyOf/oneOf flattened, `type: [...]` split). */
function alternatives(s: JsonSchema): Alternative[] {
  const union = (s.anyOf ?? s.oneOf) as JsonSchema[] | undefined;
  if (union) return union.flatMap(alternatives);
  const types = s.type;
  if (Array.isArray(types)) return types.map((t: string) => ({ type: t, schema: { ...s, type: t } }));
  if (typeof types === 'string') return [{ type: types, schema: s }];
  const values = valuesOf(s);
  if (values) {
    // An untyped enum/const: one alternative per JSON type among its values.
    const byType = new Map<string, unknown[]>();
    for (const v of values) byType.set(jsonType(v), [...(byType.get(jsonType(v)) ?? []), v]);
    return [...byType].map(([type, vs]) => ({ type, schema: { ...s, type, enum: vs, const: undefined } }));
  }
  return [{ type: undefined, schema: s }];
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeAccepts(current: string | undefined, old: string | undefined): boolean {
  if (current === undefined) return true;
  return current === old || (current === 'number' && old === 'integer');
}

/** The values an enum or const allows, or undefined when it allows any value of its type. */
function valuesOf(s: JsonSchema): unknown[] | undefined {
  if (Array.isArray(s.enum)) return s.enum;
  if ('const' in s && s.const !== undefined) return [s.const];
  return undefined;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function compareSameType(old: JsonSchema, cur: JsonSchema, path: string): SchemaBreak[] {
  const breaks: SchemaBreak[] = [];
  const oldValues = valuesOf(old);
  const curValues = valuesOf(cur);
  if (curValues) {
    if (!oldValues) {
      breaks.push({
        kind: 'type-narrowed',
        path: where(path),
        detail: `now only ${JSON.stringify(curValues)}`,
      });
    } else {
      const removed = oldValues.filter((v) => !curValues.some((c) => same(c, v)));
      if (removed.length > 0) {
        breaks.push({
          kind: 'enum-value-removed',
          path: where(path),
          detail: `no longer accepts ${removed.map((v) => JSON.stringify(v)).join(', ')}`,
        });
      }
    }
  }
  breaks.push(...boundBreaks(old, cur, path));
  if (cur.type === 'object' || old.type === 'object') breaks.push(...objectBreaks(old, cur, path));
  if (cur.type === 'array' || old.type === 'array') {
    const items = (cur.items ?? {}) as JsonSchema;
    breaks.push(...compare((old.items ?? {}) as JsonSchema, items, `${path}[]`));
  }
  return breaks;
}

/** Lower bounds may only fall, upper bounds only rise; patterns and formats may only go. */
function boundBreaks(old: JsonSchema, cur: JsonSchema, path: string): SchemaBreak[] {
  const breaks: SchemaBreak[] = [];
  const narrowed = (detail: string) =>
    breaks.push({ kind: 'constraint-narrowed', path: where(path), detail });
  for (const key of ['minLength', 'minItems', 'minProperties', 'minimum', 'exclusiveMinimum']) {
    const c = cur[key];
    const o = old[key];
    if (typeof c === 'number' && (typeof o !== 'number' || c > o))
      narrowed(`${key} ${String(o ?? 'none')} → ${c}`);
  }
  for (const key of ['maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum']) {
    const c = cur[key];
    const o = old[key];
    if (typeof c === 'number' && (typeof o !== 'number' || c < o))
      narrowed(`${key} ${String(o ?? 'none')} → ${c}`);
  }
  for (const key of ['pattern', 'format', 'multipleOf']) {
    if (cur[key] !== undefined && !same(cur[key], old[key])) {
      narrowed(`${key} ${JSON.stringify(old[key] ?? null)} → ${JSON.stringify(cur[key])}`);
    }
  }
  return breaks;
}

function objectBreaks(old: JsonSchema, cur: JsonSchema, path: string): SchemaBreak[] {
  const breaks: SchemaBreak[] = [];
  const oldProps = (old.properties ?? {}) as Record<string, JsonSchema>;
  const curProps = (cur.properties ?? {}) as Record<string, JsonSchema>;
  const oldRequired = new Set((old.required ?? []) as string[]);
  const join = (name: string) => (path ? `${path}.${name}` : name);
  for (const [name, schema] of Object.entries(oldProps)) {
    const now = curProps[name];
    if (now === undefined) {
      breaks.push({
        kind: 'field-removed',
        path: join(name),
        detail: 'removed or renamed: a consumer of this version reads it',
      });
      continue;
    }
    breaks.push(...compare(schema, now, join(name)));
  }
  for (const name of (cur.required ?? []) as string[]) {
    if (oldRequired.has(name)) continue;
    breaks.push({
      kind: 'field-now-required',
      path: join(name),
      detail:
        name in oldProps ? 'was optional, now required' : 'new field, required: earlier messages lack it',
    });
  }
  if (cur.additionalProperties === false && old.additionalProperties !== false) {
    breaks.push({ kind: 'constraint-narrowed', path: where(path), detail: 'no longer accepts extra fields' });
  }
  return breaks;
}
