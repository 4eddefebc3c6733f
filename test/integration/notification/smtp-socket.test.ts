import net, { type AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { smtpSocket } from '#services/notification/mail/smtp-socket.js';

const open = (host: string, port: number, timeoutMs = 5_000) =>
  new Promise<{ err: Error | null; socket?: net.Socket }>((resolve) =>
    smtpSocket({ host, port, timeoutMs })({}, (err, s) => resolve({ err, socket: s?.connection })),
  );

/** The socket nodemailer's pool is handed: connected, or a clear error it reports for the mail. */
describe('the SMTP socket', () => {
  it('hands over a connected socket, and nothing of ours is left listening on it', async () => {
    // The server side closes first; a reset from either side is not what this checks.
    const server = net.createServer((s) => s.on('error', () => undefined).end('220 ready\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const { err, socket } = await open('127.0.0.1', port);
    expect(err).toBeNull();
    expect(socket?.remotePort).toBe(port);
    expect(socket?.listenerCount('error')).toBe(0);
    expect(socket?.timeout).toBe(0);
    socket?.on('error', () => undefined).destroy();
    await new Promise((r) => server.close(r));
  });

  it('a refused connection is an error, not a hang', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const { err, socket } = await open('127.0.0.1', port);
    expect(socket).toBeUndefined();
    expect((err as NodeJS.ErrnoException | null)?.code).toBe('ECONNREFUSED');
  });
});
