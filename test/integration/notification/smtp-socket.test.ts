import net, { type AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it } from 'vitest';
import { loadMailConfig } from '#services/notification/mail/config.js';
import { createMailSender, type SmtpSender } from '#services/notification/mail/sender.js';
import { smtpSocket } from '#services/notification/mail/smtp-socket.js';

const open = (host: string, port: number, timeoutMs = 5_000) =>
  new Promise<{ err: Error | null; socket: net.Socket | false | undefined }>((resolve) =>
    smtpSocket({ host, port, timeoutMs })({}, (err, s) => resolve({ err, socket: s && s.connection })),
  );

/** A port nothing listens on (yet). */
async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as AddressInfo;
  await new Promise((r) => probe.close(r));
  return port;
}

/** The socket nodemailer's pool is handed: connected, or none (nodemailer then connects itself). */
describe('the SMTP socket', () => {
  it('hands over a connected socket, and nothing of ours is left listening on it', async () => {
    // The server side closes first; a reset from either side is not what this checks.
    const server = net.createServer((s) => s.on('error', () => undefined).end('220 ready\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const { err, socket } = await open('127.0.0.1', port);
    expect(err).toBeNull();
    expect(socket && socket.remotePort).toBe(port);
    expect(socket && socket.listenerCount('error')).toBe(0);
    expect(socket && socket.timeout).toBe(0);
    if (socket) socket.on('error', () => undefined).destroy();
    await new Promise((r) => server.close(r));
  });

  it("writes made in one turn of the event loop leave together at the turn's end, and all arrive", async () => {
    let received = '';
    const arrived = new Promise<void>((resolve) => {
      const server = net.createServer((s) =>
        s.on('data', (chunk: Buffer) => {
          received += chunk.toString();
          if (received.length === 3) s.end(() => server.close(() => resolve()));
        }),
      );
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        void open('127.0.0.1', port).then(({ socket }) => {
          if (!socket) throw new Error('no socket');
          socket.on('error', () => undefined);
          for (const part of ['D', 'A', 'T']) socket.write(part);
          // Held in this turn (one system call later), not sent one by one.
          expect(socket.writableCorked).toBe(1);
          setImmediate(() => expect(socket.writableCorked).toBe(0));
        });
      });
    });
    await arrived;
    expect(received).toBe('DAT');
  });

  it('a refused connection hands over nothing, so nodemailer connects by itself and fails as usual', async () => {
    const { err, socket } = await open('127.0.0.1', await freePort());
    expect(err).toBeNull();
    expect(socket).toBe(false);
  });

  it('a mail server down for longer than the pool has connections: once it is back, mail goes out again', async () => {
    const port = await freePort();
    const sender = createMailSender(
      loadMailConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_POOL_SIZE: '1' }),
    ) as SmtpSender;
    const mail = (n: number) => ({
      to: `resident-${n}@residents.example`,
      subject: 'Invoice',
      text: 'Your invoice',
      html: '<p>Your invoice</p>',
      messageId: `00000000-0000-4000-8000-00000000000${n}`,
      headers: {},
    });
    // Down: each try fails (with one connection in the pool, a stuck one would block all later mail).
    for (const n of [1, 2, 3]) await expect(sender.send(mail(n))).rejects.toThrow(/ECONNREFUSED/);
    const received: string[] = [];
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          received.push(...session.envelope.rcptTo.map((r) => r.address));
          callback();
        });
      },
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    try {
      await sender.send(mail(4));
      expect(received).toEqual(['resident-4@residents.example']);
    } finally {
      sender.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
