/**
 * Enforces the layering the design depends on, from every .ts file's imports:
 * - `services/<a>/` imports only `services/<a>/`, `platform/`, `contracts/`, node builtins and npm
 *   packages: never another service;
 * - `platform/` is domain-free: it imports only `platform/` (and builtins, npm packages);
 * - `contracts/` imports only `contracts/`, `platform/messaging/` and npm packages;
 * - `tools/` (build and CI tooling over contracts/) is imported by no service and not by platform/;
 *   it imports only `tools/`, `platform/`, `contracts/`, builtins and packages (ADR 0030);
 * - `operations/` (the operators' routes the composition root mounts on every service) is imported
 *   by no service and not by platform/; it imports only `operations/`, `platform/`, `contracts/`,
 *   builtins and packages (ADR 0032).
 * Package imports (`#platform/*`, `#contracts/*`, `#services/*`) count as the folders they name.
 * Usage: `tsx scripts/check-boundaries.ts [rootDir]` (exit code 1 and one line per violation).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export interface Violation {
  /** The importing file, relative to the root, with `/` separators. */
  file: string;
  line: number;
  /** The import as written. */
  specifier: string;
  message: string;
}

type Area =
  | { kind: 'service'; name: string }
  | { kind: 'platform' }
  | { kind: 'contracts' }
  | { kind: 'tools' }
  | { kind: 'operations' }
  | { kind: 'other' };

type Target =
  | { kind: 'builtin' }
  | { kind: 'package' }
  | { kind: 'local'; path: string; area: Area }
  | { kind: 'outside'; path: string };

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage']);
const BUILTINS = new Set(builtinModules);

function areaOf(path: string): Area {
  const [top, second] = path.split('/');
  if (top === 'services' && second !== undefined && !second.includes('.'))
    return { kind: 'service', name: second };
  if (top === 'platform') return { kind: 'platform' };
  if (top === 'contracts') return { kind: 'contracts' };
  if (top === 'tools') return { kind: 'tools' };
  if (top === 'operations') return { kind: 'operations' };
  return { kind: 'other' };
}

function sourceFiles(root: string, dir = root): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIPPED_DIRS.has(entry.name)) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(root, full));
    else if (/\.(c|m)?ts$/.test(entry.name)) files.push(full);
  }
  return files;
}

/** The package's own `imports` (package.json): `#platform/x.js` is `platform/x.js`, and so on. */
const PACKAGE_IMPORTS: Record<string, string> = {
  '#platform/': 'platform/',
  '#contracts/': 'contracts/',
  '#services/': 'services/',
};

function classify(root: string, file: string, specifier: string): Target {
  for (const [alias, folder] of Object.entries(PACKAGE_IMPORTS)) {
    if (specifier.startsWith(alias)) {
      const path = folder + specifier.slice(alias.length);
      return { kind: 'local', path, area: areaOf(path) };
    }
  }
  if (specifier.startsWith('.') || specifier.startsWith('/')) {
    const path = relative(root, resolve(dirname(file), specifier))
      .split(sep)
      .join('/');
    if (path.startsWith('../') || path === '..') return { kind: 'outside', path };
    return { kind: 'local', path, area: areaOf(path) };
  }
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] as string))
    return { kind: 'builtin' };
  return { kind: 'package' };
}

/** Why `from` may not import `target`, or undefined when it may. */
function rule(from: Area, target: Target): string | undefined {
  if (from.kind === 'other') return undefined;
  if (target.kind === 'package') return undefined;
  if (target.kind === 'outside') return `imports ${target.path}, outside the project`;
  if (from.kind === 'service') {
    if (target.kind === 'builtin') return undefined;
    const to = target.area;
    if (to.kind === 'platform' || to.kind === 'contracts') return undefined;
    if (to.kind === 'service' && to.name === from.name) return undefined;
    if (to.kind === 'service') {
      return `service '${from.name}' imports service '${to.name}' (${target.path}): services talk over HTTP and messages; share code through platform/ or contracts/`;
    }
    if (to.kind === 'tools')
      return `service '${from.name}' imports ${target.path}: tools/ is build-time tooling, never part of a running service`;
    if (to.kind === 'operations')
      return `service '${from.name}' imports ${target.path}: operations/ is mounted by the composition root, not by a service`;
    return `service '${from.name}' imports ${target.path}: a service may import only its own folder, platform/ and contracts/`;
  }
  if (from.kind === 'tools') {
    if (target.kind === 'builtin' || ['tools', 'platform', 'contracts'].includes(target.area.kind))
      return undefined;
    return `tools/ imports ${target.path}: tools may import only tools/, platform/ and contracts/`;
  }
  if (from.kind === 'operations') {
    if (target.kind === 'builtin' || ['operations', 'platform', 'contracts'].includes(target.area.kind))
      return undefined;
    return `operations/ imports ${target.path}: operations may import only operations/, platform/ and contracts/`;
  }
  if (from.kind === 'platform') {
    if (target.kind === 'builtin') return undefined;
    if (target.area.kind === 'platform' || target.path === 'package.json') return undefined;
    if (target.area.kind === 'tools')
      return `platform/ imports ${target.path}: tools/ is build-time tooling, never part of the runtime kit`;
    if (target.area.kind === 'operations')
      return `platform/ imports ${target.path}: the host is given the operators' routes (operatorRoutes), never imports them`;
    return `platform/ imports ${target.path}: platform is domain-free and may import only platform/`;
  }
  if (target.kind === 'builtin') return 'contracts/ imports a node builtin: contracts hold schemas only';
  if (target.area.kind === 'contracts' || target.path.startsWith('platform/messaging/')) return undefined;
  return `contracts/ imports ${target.path}: contracts may import only contracts/ and platform/messaging/`;
}

/** Every import in `rootDir`'s .ts files that crosses a boundary it must not cross. */
export function checkBoundaries(rootDir: string): Violation[] {
  const root = resolve(rootDir);
  const violations: Violation[] = [];
  for (const file of sourceFiles(root)) {
    const path = relative(root, file).split(sep).join('/');
    const from = areaOf(path);
    if (from.kind === 'other') continue;
    const text = readFileSync(file, 'utf8');
    // preProcessFile finds static imports, `export ... from`, `import x = require()` and `import()`.
    const { importedFiles } = ts.preProcessFile(text, true, true);
    for (const imported of importedFiles) {
      const message = rule(from, classify(root, file, imported.fileName));
      if (message === undefined) continue;
      const line = text.slice(0, imported.pos).split('\n').length;
      const specifier = imported.fileName;
      violations.push({
        file: path,
        line,
        specifier,
        message: `${path}:${line}: import '${specifier}': ${message}`,
      });
    }
  }
  return violations;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
  const violations = checkBoundaries(root);
  for (const v of violations) process.stdout.write(`${v.message}\n`);
  process.stdout.write(`${violations.length} boundary violation(s)\n`);
  process.exitCode = violations.length === 0 ? 0 : 1;
}
