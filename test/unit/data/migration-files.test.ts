import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSqlMigrations } from '#platform/data/migration-files.js';

const dirs: string[] = [];
function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'migrations-'));
  dirs.push(dir);
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, name), sql);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('loadSqlMigrations', () => {
  it('reads <version>_<name>.sql files in version order, from a path or a file URL', () => {
    const dir = folder({
      '0010_add_index.sql': 'CREATE INDEX i ON customers (name);',
      '0002_create_customers.sql': 'CREATE TABLE customers (id uuid);',
      '0001_init.sql': 'CREATE TABLE a (id int);',
      'README.md': 'not a migration',
    });
    const expected = [
      { version: 1, name: 'init', sql: 'CREATE TABLE a (id int);' },
      { version: 2, name: 'create_customers', sql: 'CREATE TABLE customers (id uuid);' },
      { version: 10, name: 'add_index', sql: 'CREATE INDEX i ON customers (name);' },
    ];
    expect(loadSqlMigrations(dir)).toEqual(expected);
    expect(loadSqlMigrations(pathToFileURL(`${dir}/`))).toEqual(expected);
  });

  it.each([
    '1_short.sql',
    '0001-dash.sql',
    '0001_Upper.sql',
    '0001_.sql',
    'init.sql',
    '0001_two__underscores.sql',
  ])('rejects the malformed name %s', (name) => {
    const dir = folder({ '0002_fine.sql': 'SELECT 1;', [name]: 'SELECT 1;' });
    expect(() => loadSqlMigrations(dir)).toThrow(name);
  });

  it('rejects two files with the same version, naming both', () => {
    const dir = folder({ '0003_one.sql': 'SELECT 1;', '003_other.sql': 'SELECT 2;' });
    expect(() => loadSqlMigrations(dir)).toThrow(/003_other\.sql|0003_one\.sql/);
    const dir2 = folder({ '0003_one.sql': 'SELECT 1;', '0003_two.sql': 'SELECT 2;' });
    expect(() => loadSqlMigrations(dir2)).toThrow(/version 3 appears twice.*0003_one\.sql.*0003_two\.sql/);
  });

  it('rejects an empty file', () => {
    expect(() => loadSqlMigrations(folder({ '0001_empty.sql': '  \n' }))).toThrow('0001_empty.sql');
  });
});
