/** The slice of a pino logger the messaging kit writes to; a pino `Logger` fits. */
export interface MessagingLog {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const ignore = () => undefined;
export const quietLog: MessagingLog = { debug: ignore, info: ignore, warn: ignore, error: ignore };

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
