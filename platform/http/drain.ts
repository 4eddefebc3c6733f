import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Graceful close: `app.close()` stops taking connections, lets requests in progress finish (their
 * answers carry `Connection: close`), and hangs up idle kept-alive connections at once, instead of
 * waiting for the client or the keep-alive timeout. Node's own idle-connection reaping misses
 * connections that have already served a request, which held a close open for over a minute.
 */
async function drain(app: FastifyInstance): Promise<void> {
  const busy = new Map<Socket, number>();
  const sockets = new Set<Socket>();
  let closing = false;

  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  app.addHook('onRequest', (request, _reply, done) => {
    const socket = request.raw.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    done();
  });
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('onResponse', (request, _reply, done) => {
    const socket = request.raw.socket;
    const left = (busy.get(socket) ?? 1) - 1;
    if (left > 0) busy.set(socket, left);
    else {
      busy.delete(socket);
      if (closing) socket.destroySoon();
    }
    done();
  });
  app.addHook('preClose', (done) => {
    closing = true;
    for (const socket of sockets) if (!busy.has(socket)) socket.destroy();
    done();
  });
}

export const drainPlugin = fp(drain, { name: 'dhanman-drain', fastify: '5.x' });
