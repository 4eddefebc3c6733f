import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Migration } from './migrations.js';

const FILE_NAME = /^(\d{4,})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;

/**
 * Reads a folder of migrations named `0001_create_customers.sql`, `0002_...`, in version order.
 * Synchronous so a service definition can list its migrations as a plain value. A `.sql` file with
 * another name, a repeated version or an empty file is an error, not something to skip silently.
 */
export function loadSqlMigrations(dir: URL | string): Migration[] {
  const folder = dir instanceof URL ? fileURLToPath(dir) : dir;
  const migrations: Migration[] = [];
  const seen = new Map<number, string>();
  for (const file of readdirSync(folder)) {
    if (!file.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(file);
    if (!match) {
      throw new Error(
        `migration file '${file}' in ${folder}: expected <version>_<name>.sql, e.g. 0001_create_customers.sql`,
      );
    }
    const version = Number(match[1]);
    const name = match[2] ?? '';
    const earlier = seen.get(version);
    if (earlier)
      throw new Error(`migration version ${version} appears twice in ${folder}: ${earlier} and ${file}`);
    seen.set(version, file);
    const sql = readFileSync(path.join(folder, file), 'utf8');
    if (sql.trim() === '') throw new Error(`migration file '${file}' in ${folder} is empty`);
    migrations.push({ version, name, sql });
  }
  return migrations.sort((a, b) => a.version - b.version);
}
