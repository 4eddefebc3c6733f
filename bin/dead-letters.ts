import { parseArgs } from 'node:util';
import { organizationFilter } from '#platform/http/ops-scope.js';
import {
  DEAD_LETTER_STATUSES,
  type DeadLetterFilter,
  type DeadLetterStatus,
} from '../operations/dead-letter-filter.js';
import type {
  DeadLetter,
  DeadLetterAction,
  DeadLetterOperations,
  DeadLetterSummary,
} from '../operations/dead-letters.js';

export const DEAD_LETTER_USAGE = `Usage: dhanman dead-letters <command> <service> [options]

Commands:
  list <service>            dead letters, newest first (open ones unless --status says otherwise)
  show <service> <id>       one dead letter with its body, error and stack
  replay <service> <id>     send it back to its original queue with a fresh attempt count
  replay-all <service>      replay every open dead letter matching the filters
  discard <service> <id>    mark it discarded (it stays on record)

Filters (list, replay-all):
  --status open|replayed|discarded|all   (list only; default open)
  --category <c>    invalid-json, invalid-envelope, unknown-type, invalid-payload, handler-failed, delivery-limit
  --type <t>        message type, e.g. sales.invoice-created
  --queue <q>       original queue, e.g. notification.events
  --message-id <id>
  --organization <uuid>   the envelope's organization (the command line sees every one)
  --since <iso>  --until <iso>
  --limit <n>  --cursor <id>   (list only: page size, default 50; next page)
  --json            machine-readable output
`;

export interface DeadLetterCliIo {
  /** Opens the service's dead-letter store (its database and the bus); `close` releases both. */
  open(service: string): Promise<{ store: DeadLetterOperations; close(): Promise<void> }>;
  out(text: string): void;
  err(text: string): void;
}

class UsageError extends Error {}

/**
 * `dhanman dead-letters ...`: the same operations as `/api/ops/dead-letters`, for an operator at a
 * shell. `argv` is what follows `dead-letters`. Returns the exit code (0 done, 1 not found or not
 * possible, 2 usage).
 */
export async function runDeadLetterCli(argv: string[], io: DeadLetterCliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    io.err(`${(err as Error).message}\n\n${DEAD_LETTER_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    io.out(DEAD_LETTER_USAGE);
    return 0;
  }
  const { command, service, id, filter, status, limit, cursor, json } = parsed;
  const { store, close } = await io.open(service);
  try {
    switch (command) {
      case 'list': {
        const page = await store.list({
          ...filter,
          ...(status ? { status } : {}),
          limit,
          ...(cursor ? { cursor } : {}),
        });
        io.out(json ? JSON.stringify(page, null, 2) : formatList(page.items, page.nextCursor));
        return 0;
      }
      case 'show': {
        const dl = await store.get(id!);
        if (!dl) {
          io.err(`no dead letter ${id} in ${service}`);
          return 1;
        }
        io.out(json ? JSON.stringify(dl, null, 2) : formatOne(dl));
        return 0;
      }
      case 'replay':
        return report(io, id!, await store.replay(id!), 'replayed', json);
      case 'discard':
        return report(io, id!, await store.discard(id!), 'discarded', json);
      case 'replay-all': {
        const result = await store.replayAll(filter);
        io.out(json ? JSON.stringify(result) : `replayed ${result.replayed} dead letter(s) of ${service}`);
        return 0;
      }
    }
  } finally {
    await close();
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      status: { type: 'string' },
      category: { type: 'string' },
      type: { type: 'string' },
      queue: { type: 'string' },
      'message-id': { type: 'string' },
      organization: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      cursor: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0 || positionals[0] === 'help') return 'help' as const;
  const [command, service, id, ...rest] = positionals;
  const commands = ['list', 'show', 'replay', 'replay-all', 'discard'] as const;
  if (!commands.includes(command as (typeof commands)[number]))
    throw new UsageError(`unknown command "${command}"`);
  if (!service) throw new UsageError(`${command}: which service? e.g. dead-letters ${command} sales`);
  const needsId = command === 'show' || command === 'replay' || command === 'discard';
  if (needsId && !(id && /^\d{1,18}$/.test(id)))
    throw new UsageError(`${command}: give the dead letter's id (digits)`);
  if ((!needsId && id !== undefined) || rest.length)
    throw new UsageError(`unexpected argument "${needsId ? rest[0] : id}"`);
  for (const key of ['since', 'until'] as const) {
    const v = values[key];
    if (v !== undefined && Number.isNaN(Date.parse(v)))
      throw new UsageError(`--${key}: expected an ISO time, got "${v}"`);
  }
  const organization = values.organization;
  if (organization !== undefined && !organizationFilter.safeParse({ organizationId: organization }).success)
    throw new UsageError(`--organization: expected an organization id (a uuid), got "${organization}"`);
  const filter: DeadLetterFilter = {
    ...(organization ? { organizationId: organization } : {}),
    ...(values.category ? { category: values.category } : {}),
    ...(values.type ? { type: values.type } : {}),
    ...(values.queue ? { originalQueue: values.queue } : {}),
    ...(values['message-id'] ? { messageId: values['message-id'] } : {}),
    ...(values.since ? { since: new Date(values.since).toISOString() } : {}),
    ...(values.until ? { until: new Date(values.until).toISOString() } : {}),
  };
  const statusArg = values.status ?? 'open';
  if (statusArg !== 'all' && !DEAD_LETTER_STATUSES.includes(statusArg as DeadLetterStatus)) {
    throw new UsageError(`--status: expected open, replayed, discarded or all, got "${statusArg}"`);
  }
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UsageError(`--limit: expected 1..500`);
  if (values.cursor !== undefined && !/^\d{1,18}$/.test(values.cursor))
    throw new UsageError(`--cursor: expected an id`);
  return {
    command: command as (typeof commands)[number],
    service,
    id,
    filter,
    status: statusArg === 'all' ? undefined : (statusArg as DeadLetterStatus),
    limit,
    cursor: values.cursor,
    json: values.json,
  };
}

function report(
  io: DeadLetterCliIo,
  id: string,
  result: DeadLetterAction,
  verb: string,
  json: boolean,
): number {
  switch (result.outcome) {
    case 'done':
      io.out(json ? JSON.stringify(result.deadLetter, null, 2) : `dead letter ${id} ${verb}`);
      return 0;
    case 'not-found':
      io.err(`no dead letter ${id}`);
      return 1;
    case 'not-open':
      io.err(`dead letter ${id} is ${result.deadLetter.status}; only open ones can be ${verb}`);
      return 1;
    case 'not-replayable':
      io.err(`dead letter ${id} has no known original queue to go back to`);
      return 1;
  }
}

const cut = (s: string | null, n: number) => {
  const t = (s ?? '-').replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};

export function formatList(items: DeadLetterSummary[], nextCursor: string | null): string {
  if (items.length === 0) return 'no dead letters match';
  const header = ['ID', 'DEAD-LETTERED AT', 'STATUS', 'CATEGORY', 'TYPE', 'QUEUE', 'ATTEMPTS', 'REASON'];
  const rows = items.map((d) => [
    d.id,
    d.deadLetteredAt,
    d.status,
    d.category,
    cut(d.type, 40),
    d.originalQueue,
    String(d.attempts),
    cut(d.reason, 80),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const more = nextCursor ? `\nmore: --cursor ${nextCursor}` : '';
  return [line(header), ...rows.map(line)].join('\n') + more;
}

function formatOne(d: DeadLetter): string {
  const body = (() => {
    try {
      return JSON.stringify(JSON.parse(d.body), null, 2);
    } catch {
      return d.body;
    }
  })();
  return [
    `id:               ${d.id}`,
    `status:           ${d.status}${d.replayedAt ? ` (replayed ${d.replayedAt})` : ''}${d.discardedAt ? ` (discarded ${d.discardedAt})` : ''}`,
    `category:         ${d.category}`,
    `reason:           ${d.reason}`,
    `type:             ${d.type ?? '-'}`,
    `message id:       ${d.messageId ?? '-'}`,
    `original queue:   ${d.originalQueue}`,
    `attempts:         ${d.attempts}`,
    `dead-lettered at: ${d.deadLetteredAt}`,
    ...(d.error ? [`error:            ${d.error}`] : []),
    ...(d.stack ? ['stack:', d.stack] : []),
    'body:',
    body,
  ].join('\n');
}
