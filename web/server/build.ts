import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, gzipSync } from 'node:zlib';

/** The console's sources and where their build goes. */
export const WEB_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(WEB_ROOT, 'dist');
const STAMP = join(DIST, '.source-hash');
// This file too: how the build is made (its gzip copies) is part of what it is.
const INPUTS = ['index.html', 'vite.config.ts', 'src', 'server/build.ts'];

function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((name) => filesUnder(join(path, name)));
}

/** A hash of every source file's path and content: the build is stale when it differs. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap((p) => filesUnder(join(WEB_ROOT, p)))) {
    hash.update(relative(WEB_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * Builds the console when its build is missing or older than its sources (a content hash, so a
 * fresh clone, a pull and an edit all rebuild, and an unchanged tree starts at once).
 */
export async function ensureConsoleBuilt(log: (msg: string) => void = () => {}): Promise<{ built: boolean }> {
  const hash = sourceHash();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === hash) return { built: false };
  const started = Date.now();
  log('building the web console…');
  // In a process of its own: built in process, vite left about 150 MB of RSS behind after a GC
  // (its native parser and freed heap), which a first start (bench:start) then kept for its life.
  const vite = join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  await promisify(execFile)(
    process.execPath,
    [vite, 'build', '--config', join(WEB_ROOT, 'vite.config.ts'), '--logLevel', 'warn'],
    { cwd: WEB_ROOT, maxBuffer: 16 * 1024 * 1024 },
  );
  compressBuild();
  writeFileSync(STAMP, hash);
  log(`web console built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { built: true };
}

const COMPRESSED = new Set(['.js', '.css', '.html', '.svg', '.json']);

/**
 * A gzip copy beside each text file of the build, served instead of it to browsers that accept
 * gzip (`preCompressed` in console-server.ts): compressed once at build time, never per request.
 */
function compressBuild(): void {
  for (const file of filesUnder(DIST)) {
    if (!COMPRESSED.has(extname(file))) continue;
    writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: constants.Z_BEST_COMPRESSION }));
  }
}
