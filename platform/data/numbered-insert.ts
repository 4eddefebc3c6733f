import type { Queryable } from './db.js';

/**
 * A series of consecutive numbers per organization (`PO-202501-0001`, `PO-202501-0002`...), kept
 * in a counter table of the service's: `organization_id`, the series' key columns and
 * `last_number`, its primary key all but `last_number`.
 */
export interface NumberSeries {
  counter: string;
  /** The series' row besides the organization, e.g. `{ kind: 'PO', period: '202501' }`. */
  key: Readonly<Record<string, string>>;
  /** What each number starts with, e.g. `PO-202501-`; the sequence follows, four digits at least. */
  prefix: string;
}

/** Rows for one table: each column's SQL type (as `jsonb_to_recordset` reads it), and the values. */
export interface RowSet {
  table: string;
  columns: Readonly<Record<string, string>>;
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

export interface NumberedInsert {
  organizationId: string;
  series: NumberSeries;
  /**
   * The rows that take the numbers, in order. Their columns include `id`; the table's
   * `organization_id` and `number` are filled in here.
   */
  documents: RowSet;
  /** Rows written in the same statement, e.g. the documents' lines. */
  alongside?: readonly RowSet[];
  /**
   * More data-modifying CTEs for the statement, such as an activity record per document. They may
   * read the documents as given from `document_data`, and the organization as `$1::uuid`; the
   * parameters they need are appended to `params`.
   */
  with?: (params: unknown[]) => string[];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const SQL_TYPE = /^[a-z][a-z0-9_ ]*(\[\])?$/;
/** Filled in by the statement itself, not by the caller's rows. */
const RESERVED_COLUMNS = ['ord', 'organization_id', 'number'];

/** Number `sequence` of a series whose numbers start with `prefix`: four digits at least. */
export function formatNumber(prefix: string, sequence: number): string {
  if (!Number.isInteger(sequence) || sequence < 1) throw new RangeError(`not a sequence number: ${sequence}`);
  return `${prefix}${String(sequence).padStart(4, '0')}`;
}

/**
 * Takes the series' next numbers and writes the documents with them, and the rows alongside, in
 * one statement; returns the numbers in the order the documents were given. The counter row stays
 * locked until the transaction ends: a rollback gives the numbers back (no gaps) and concurrent
 * writers queue on the row (no duplicates). Nothing that does not need the numbers should follow
 * this statement in the transaction: it would hold the lock longer.
 */
export async function insertNumbered(tx: Queryable, spec: NumberedInsert): Promise<string[]> {
  const { series, documents } = spec;
  if (documents.rows.length === 0) return [];
  if (!('id' in documents.columns)) throw new Error(`the rows of ${documents.table} need an id column`);
  for (const column of RESERVED_COLUMNS) {
    if (column in documents.columns)
      throw new Error(`${documents.table}.${column} is filled in by insertNumbered`);
  }
  const keyColumns = Object.keys(series.key).map(identifier);
  const counter = identifier(series.counter);
  const params: unknown[] = [spec.organizationId, series.prefix, documents.rows.length];
  const keyValues = keyColumns.map((column) => `$${params.push(series.key[column])}`);
  params.push(JSON.stringify(documents.rows.map((row, i) => ({ ...row, ord: i + 1 }))));
  const documentData = `$${params.length}::jsonb`;
  const columns = Object.keys(documents.columns).map(identifier);
  const alongside = (spec.alongside ?? []).map((set, i) => {
    params.push(JSON.stringify(set.rows));
    const names = Object.keys(set.columns).map(identifier);
    return `alongside_${i + 1} AS (
       INSERT INTO ${identifier(set.table)} (${names.join(', ')})
       SELECT ${names.map((c) => `a.${c}`).join(', ')}
         FROM jsonb_to_recordset($${params.length}::jsonb) AS a(${typed(set.columns)})
     )`;
  });
  const sequence = 'reserved.before + d.ord';
  const { rows } = await tx.query<{ id: unknown; number: string }>(
    `WITH reserved AS (
       INSERT INTO ${counter} (organization_id, ${keyColumns.join(', ')}, last_number)
       VALUES ($1::uuid, ${keyValues.join(', ')}, $3::integer)
       ON CONFLICT (organization_id, ${keyColumns.join(', ')})
         DO UPDATE SET last_number = ${counter}.last_number + $3::integer
       RETURNING last_number - $3::integer AS before
     ),
     document_data AS (
       SELECT * FROM jsonb_to_recordset(${documentData}) AS d(ord integer, ${typed(documents.columns)})
     ),
     numbered AS (
       INSERT INTO ${identifier(documents.table)} (organization_id, number, ${columns.join(', ')})
       SELECT $1::uuid,
              $2::text || CASE WHEN ${sequence} < 10000 THEN lpad((${sequence})::text, 4, '0')
                               ELSE (${sequence})::text END,
              ${columns.map((c) => `d.${c}`).join(', ')}
         FROM document_data d, reserved
       RETURNING id, number
     )${[...alongside, ...(spec.with?.(params) ?? [])].map((cte) => `,\n     ${cte}`).join('')}
     SELECT id, number FROM numbered`,
    params,
  );
  const byId = new Map(rows.map((r) => [String(r.id).toLowerCase(), r.number]));
  return documents.rows.map((row) => byId.get(String(row.id).toLowerCase())!);
}

function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not a plain SQL identifier: ${name}`);
  return name;
}

function typed(columns: Readonly<Record<string, string>>): string {
  return Object.entries(columns)
    .map(([name, type]) => {
      if (!SQL_TYPE.test(type)) throw new Error(`not a SQL type: ${type}`);
      return `${identifier(name)} ${type}`;
    })
    .join(', ');
}
