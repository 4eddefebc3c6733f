import { pino, type DestinationStream, type Logger } from 'pino';
import { currentContext } from './context.js';

/**
 * JSON logs (pino). Every line carries the service and, when there is one, the correlation id
 * of the work in progress, so one request can be followed across services.
 */
export function createLogger(
  service: string,
  level = process.env.LOG_LEVEL ?? 'info',
  /** Where lines go (default stdout); tests pass a stream to read them back. */
  destination?: DestinationStream,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service },
    mixin() {
      const ctx = currentContext();
      return ctx ? { correlationId: ctx.correlationId, organizationId: ctx.organizationId } : {};
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
