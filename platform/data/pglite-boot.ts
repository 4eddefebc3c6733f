import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { scalarParsers } from './types.js';

/** How the instance came up: an existing data directory, a copy of the cached fresh cluster, or initdb. */
export type EmbeddedOrigin = 'existing' | 'template' | 'initdb';

export interface BootOptions {
  dataDir: string;
  log?: Logger;
  template?: string | false;
}

/**
 * A freshly initialised PGlite cluster, kept as a tarball. Creating a cluster (initdb in WASM)
 * costs several seconds; unpacking this copy costs a fraction of that. It is written once per
 * machine and PGlite version, right after a first boot and before anything else touches the cluster.
 */
export interface ClusterTemplate {
  load(): Blob | undefined;
  save(pglite: PGlite): Promise<void>;
  discard(): void;
}

function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function clusterTemplate(dir = tmpdir()): ClusterTemplate {
  const file = path.join(dir, `dhanman-pglite-${pgliteVersion()}-cluster.tar.gz`);
  return {
    load() {
      return existsSync(file) ? new Blob([readFileSync(file)]) : undefined;
    },
    async save(pglite) {
      const dump = await pglite.dumpDataDir('gzip');
      // Write then rename: a reader never sees half a file, and racing writers each leave a whole one.
      const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
      writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
      renameSync(partial, file);
    },
    discard() {
      rmSync(file, { force: true });
    },
  };
}

/** Whether a data directory holds no cluster yet (missing or empty), so a template may fill it. */
export function isEmptyDataDir(dataDir: string): boolean {
  return !existsSync(dataDir) || readdirSync(dataDir).length === 0;
}

/** Starts PGlite on the data directory, from the cached fresh cluster when the directory is new. */
export async function boot(opts: BootOptions): Promise<{ pglite: PGlite; origin: EmbeddedOrigin }> {
  const { dataDir, log } = opts;
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory && !isEmptyDataDir(dataDir)) {
    return { pglite: await PGlite.create(dataDir, { parsers: scalarParsers }), origin: 'existing' };
  }
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const template = opts.template === false ? undefined : clusterTemplate(opts.template);
  const tarball = template?.load();
  if (template && tarball) {
    try {
      const pglite = await PGlite.create(dataDir, { parsers: scalarParsers, loadDataDir: tarball });
      return { pglite, origin: 'template' };
    } catch (err) {
      log?.warn({ err }, 'embedded PostgreSQL: cached cluster template unusable, running initdb');
      template.discard();
      if (!inMemory) {
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
      }
    }
  }
  const pglite = await PGlite.create(dataDir, { parsers: scalarParsers });
  await template
    ?.save(pglite)
    .catch((err: unknown) => log?.warn({ err }, 'could not cache the cluster template'));
  return { pglite, origin: 'initdb' };
}
