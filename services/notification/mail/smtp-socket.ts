import net from 'node:net';

type SocketCallback = (err: Error | null, socket?: { connection: net.Socket } | false) => void;

/**
 * Opens the pooled SMTP connections with Nagle's algorithm off. nodemailer writes a mail's last
 * line ("." after the body) while the body's last segment is not yet acknowledged; with Nagle on,
 * that line waits for the server's delayed ACK, about 40 ms, so a connection carried some 20 mails
 * a second. Measured to a local smtp-server with 16 connections: 338 mails/s, 1,571 with this.
 * nodemailer has no option for it, but takes a connected socket from `getSocket` (and still
 * upgrades it to TLS when `secure` is set, or by STARTTLS).
 */
export function smtpSocket(server: { host: string; port: number; timeoutMs: number }) {
  const { host, port, timeoutMs } = server;
  return (_options: unknown, callback: SocketCallback): void => {
    let settled = false;
    const settle = (err: Error | null) => {
      if (settled) return;
      settled = true;
      if (err) {
        socket.destroy();
        // Not the error itself: nodemailer's pool keeps a connection whose getSocket failed as busy
        // for good (it emits no error to drop it), and after SMTP_POOL_SIZE such failures (a mail
        // server down for a while) no mail went out again. `false` makes nodemailer connect by
        // itself, which fails the same way and is dropped from the pool as it should be.
        callback(null, false);
      } else {
        // From here nodemailer owns the socket: its own timeouts and error handling.
        socket.setTimeout(0);
        socket.removeListener('error', settle);
        callback(null, { connection: socket });
      }
    };
    const socket = net.connect({ host, port, noDelay: true }, () => settle(null));
    coalesceWrites(socket);
    socket.setTimeout(timeoutMs, () => settle(new Error(`SMTP connection to ${host}:${port} timed out`)));
    socket.once('error', settle);
  };
}

/**
 * The writes made to `socket` in one turn of the event loop go out in one system call. nodemailer
 * pipes a mail's MIME stream into the socket a small chunk at a time (headers, boundaries, each
 * encoded line group), and with Nagle off each chunk was a write of its own: the largest frame of
 * Notification's profile (`writeBuffer`, a fifth of its CPU in bench:monthly). Corked until the
 * loop's check phase (`setImmediate`: the chunks come over several ticks, so `nextTick` caught
 * few), they leave together without waiting on the network: 15 writes a mail became 6, and the
 * CPU per mail of a sender with its server fell 8% (0.59-0.62 ms against 0.64-0.73, four runs
 * each, 4,000 mails over 16 connections). Over TLS, nodemailer writes through the TLS socket,
 * not this one: nothing changes there.
 */
function coalesceWrites(socket: net.Socket): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let corked = false;
  socket.write = ((...args: unknown[]) => {
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(() => {
        corked = false;
        socket.uncork();
      });
    }
    return write(...args);
  }) as net.Socket['write'];
}
