import { pino, type DestinationStream, type Logger } from 'pino';
import { currentContext } from './context.js';
import { logFormatFor, prettyDestination, type LogFormat } from './pretty-log.js';

/**
 * Keys whose values are secrets, by their shape rather than a list of names: any `*SECRET*` or
 * `*PASSWORD*` (every `<NAME>_CLIENT_SECRET`, `clientSecret`, `SMTP_PASSWORD`, `passwordHash`), API
 * and private keys, tokens, `pass` and `authorization`. A new service or variable needs no entry.
 */
const SECRET_KEY =
  /secret|passw(or)?d|^pass$|authorization|cookie|token$|api_?key$|private_?(key|jwk)$|encryption_?key$/i;

/** How far into a log call's objects keys are checked (a config object inside an error, say). */
const DEPTH = 4;

/** A copy of `value` with secret keys' values replaced; objects without any are kept as they are. */
export function redactSecrets(value: unknown, depth = DEPTH): unknown {
  if (depth === 0 || value === null || typeof value !== 'object' || !isPlain(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const next = SECRET_KEY.test(key) ? '[redacted]' : redactSecrets(inner, depth - 1);
    if (next !== inner) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

// Errors, buffers and requests keep their serializers: only plain data is walked.
function isPlain(value: object): value is Record<string, unknown> {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

// Requests and responses are serialized by pino: their headers are censored by path.
const REDACT_PATHS = ['req.headers.authorization', 'req.headers.cookie', '*.headers.authorization'];

/**
 * Logs (pino). Secret fields (see SECRET_KEY: passwords, secrets, tokens, keys, Authorization
 * headers) are replaced by "[redacted]" before a line is written. Every line carries the service and, when there is one, the correlation id of the
 * work in progress, so one request can be followed across services. JSON lines, or readable ones
 * on a terminal (`format`, default: `LOG_FORMAT`, else pretty when stdout is a TTY).
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  /** Where lines go (default stdout); tests pass a stream to read them back (JSON unless `format`). */
  destination?: DestinationStream,
  format?: LogFormat,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { log: (object) => redactSecrets(object) as Record<string, unknown> },
    mixin() {
      const ctx = currentContext();
      return ctx ? { correlationId: ctx.correlationId, organizationId: ctx.organizationId } : {};
    },
  };
  const chosen =
    format ?? (destination ? 'json' : logFormatFor(process.env.LOG_FORMAT, process.stdout.isTTY === true));
  if (chosen === 'pretty') return pino(options, destination ? prettyOver(destination) : prettyDestination());
  return destination ? pino(options, destination) : pino(options);
}

function prettyOver(destination: DestinationStream): DestinationStream {
  return prettyDestination({
    write: (chunk: string) => destination.write(chunk),
  } as unknown as NodeJS.WritableStream);
}
