import { pino, type DestinationStream, type Logger } from 'pino';
import { currentContext } from './context.js';
import { logFormatFor, prettyDestination, type LogFormat } from './pretty-log.js';

/** Fields that hold secrets, wherever a log call puts them (top level or one object down). */
const SECRET_FIELDS = [
  'authorization',
  'password',
  'newPassword',
  'passwordHash',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'pass',
  'privateKey',
  'private_jwk',
  'SMTP_PASSWORD',
  // Each service's client secret (<NAME>_CLIENT_SECRET), and the gateway's merchant key.
  ...['COMMON', 'COMMUNITY', 'SALES', 'PURCHASE', 'PAYROLL', 'NOTIFICATION', 'GATEWAY'].map(
    (name) => `${name}_CLIENT_SECRET`,
  ),
  'GATEWAY_API_KEY',
  'AUTH_KEY_ENCRYPTION_KEY',
  'DHANMAN_DEMO_PASSWORD',
];

export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  'req.headers.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'headers.cookie',
  '*.headers.cookie',
  '*.auth.pass',
];

/**
 * Logs (pino). Secret fields (passwords, tokens, keys, Authorization headers) are replaced by
 * "[redacted]" before a line is written. Every line carries the service and, when there is one, the correlation id of the
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
