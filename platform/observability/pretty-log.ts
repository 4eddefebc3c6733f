import type { DestinationStream } from 'pino';

/** `json` for log shippers, `pretty` for a person at a terminal. */
export type LogFormat = 'json' | 'pretty';

/** The forced format when given, else pretty on a terminal and JSON anywhere else. */
export function logFormatFor(forced: string | undefined, isTty: boolean): LogFormat {
  if (forced === 'json' || forced === 'pretty') return forced;
  return isTty ? 'pretty' : 'json';
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};
/** Fields the line shows in fixed places, or that a person does not need (host, pid). */
const PLACED = new Set(['level', 'time', 'msg', 'service', 'correlationId', 'pid', 'hostname', 'err']);

function shown(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * Turns one pino JSON line into one readable line: time, level, service, correlation id, message,
 * then the other fields as key=value. An error adds its stack below, indented.
 */
export function prettyLine(json: string, colors: boolean): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const paint = (code: string, text: string) => (colors ? `\x1b[${code}m${text}\x1b[0m` : text);
  const level = LEVELS[Number(entry.level)] ?? { name: String(entry.level).padEnd(5), color: '0' };
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const correlation = typeof entry.correlationId === 'string' ? `[${entry.correlationId}]` : '';
  const fields = Object.entries(entry)
    .filter(([k, v]) => !PLACED.has(k) && v !== undefined)
    .map(([k, v]) => `${paint('2', `${k}=`)}${shown(v)}`);
  const err = entry.err as { type?: string; message?: string; stack?: string } | undefined;
  if (err) fields.push(`${paint('2', 'err=')}${shown(`${err.type ?? 'Error'}: ${err.message ?? ''}`)}`);
  const head = [
    paint('2', time),
    paint(level.color, level.name),
    paint('1', String(entry.service ?? '-')),
    correlation ? paint('2', correlation) : '',
    String(entry.msg ?? ''),
    ...fields,
  ]
    .filter((part) => part !== '')
    .join(' ');
  const stack = err?.stack ? `\n${err.stack.replace(/^/gm, '    ')}` : '';
  return `${head}${stack}\n`;
}

/** A pino destination writing readable lines to `out` (stdout by default). */
export function prettyDestination(
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): DestinationStream {
  const colors = out.isTTY === true && process.env.NO_COLOR === undefined;
  return { write: (line: string) => void out.write(prettyLine(line, colors)) };
}
