import { SMTPServer } from 'smtp-server';
import { freePort } from '../../test/harness/ports.js';

/** A real SMTP server on loopback that only counts what it receives (the bench holds no mail). */
export async function smtpSink() {
  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        received += 1;
        callback();
      });
    },
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, received: () => received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
