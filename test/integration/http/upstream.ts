import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the scripted upstream received, with the moment it arrived. */
export interface Received {
  at: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the upstream does with one request: answer (maybe late), or never answer. */
export type Behaviour =
  { status: number; body?: unknown; delayMs?: number; headers?: Record<string, string> } | { hang: true };

export interface Upstream {
  url: string;
  received: Received[];
  /** Behaviours for the next requests, in order; when they run out, `fallback` answers. */
  script(...next: Behaviour[]): void;
  fallback: Behaviour;
  close(): Promise<void>;
}

/** A real HTTP server on a free port whose answers a test scripts request by request. */
export async function startUpstream(
  fallback: Behaviour = { status: 200, body: { ok: true } },
): Promise<Upstream> {
  const queue: Behaviour[] = [];
  const received: Received[] = [];
  const hanging = new Set<import('node:http').ServerResponse>();
  const upstream: Upstream = {
    url: '',
    received,
    fallback,
    script: (...next) => queue.push(...next),
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        at: performance.now(),
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const b = queue.shift() ?? upstream.fallback;
      if ('hang' in b) {
        hanging.add(res);
        return;
      }
      const send = () => {
        const text = b.body === undefined ? '' : JSON.stringify(b.body);
        res.writeHead(b.status, { 'content-type': 'application/json', ...b.headers });
        res.end(text);
      };
      if (b.delayMs) setTimeout(send, b.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return upstream;
}
