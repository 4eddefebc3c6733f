import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Where Debian's package keeps RabbitMQ's own applications and plugins (one directory each). */
export const RABBITMQ_PLUGINS_DIR = '/usr/lib/rabbitmq/lib/rabbitmq_server-3.10.8/plugins';

function pluginsRoot(): string | undefined {
  if (existsSync(RABBITMQ_PLUGINS_DIR)) return RABBITMQ_PLUGINS_DIR;
  const lib = '/usr/lib/rabbitmq/lib';
  if (!existsSync(lib)) return undefined;
  const server = readdirSync(lib).find((d) => d.startsWith('rabbitmq_server-'));
  return server === undefined ? undefined : join(lib, server, 'plugins');
}

function dependencies(appDir: string, app: string): string[] {
  const file = join(appDir, 'ebin', `${app}.app`);
  if (!existsSync(file)) return [];
  const match = /\{\s*applications\s*,\s*\[([^\]]*)\]/.exec(readFileSync(file, 'utf8'));
  return (match?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * Builds a plugins directory holding only `rabbit`, the plugins asked for, and what they depend on.
 * The broker loads every module of every application it can see while it collects its boot steps;
 * hiding the ~50 unused plugins makes a cold boot about 2 s faster. Falls back to the full directory.
 */
export function linkPlugins(target: string, plugins: readonly string[]): string {
  const root = pluginsRoot();
  if (root === undefined) throw new Error('RabbitMQ is not installed under /usr/lib/rabbitmq');
  const dirs = new Map<string, string>();
  for (const entry of readdirSync(root)) {
    const m = /^(.+)-\d[\w.+-]*$/.exec(entry);
    if (m?.[1] !== undefined) dirs.set(m[1], entry);
  }
  if (!dirs.has('rabbit')) return root;
  const wanted = new Set<string>();
  const visit = (app: string): void => {
    const entry = dirs.get(app);
    // Applications not in this directory come with Erlang/OTP itself.
    if (entry === undefined || wanted.has(app)) return;
    wanted.add(app);
    for (const dep of dependencies(join(root, entry), app)) visit(dep);
  };
  for (const app of ['rabbit', ...plugins]) visit(app);
  for (const plugin of plugins) {
    if (!wanted.has(plugin)) throw new Error(`unknown RabbitMQ plugin ${plugin}`);
  }
  mkdirSync(target, { recursive: true });
  for (const app of wanted) {
    const entry = dirs.get(app) as string;
    if (!existsSync(join(target, entry))) symlinkSync(join(root, entry), join(target, entry));
  }
  return target;
}
