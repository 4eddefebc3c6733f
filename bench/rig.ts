/**
 * What the end-to-end benches (invoices, monthly, payments) share: the SMTP server they mail to,
 * keep-alive JSON clients of the services, and waiting for a condition with progress on stderr.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import pg from 'pg';
import { Pool } from 'undici';

export interface SmtpSink {
  port: number;
  /** Mails accepted so far (the sign-up links aside). */
  received(): number;
  /** The token of the last sign-up link mailed to `to`, once it came. */
  signUpToken(to: string): string | undefined;
  close(): Promise<void>;
}

/** A real SMTP server on loopback that accepts and counts (the benches measure the sender, not a mail store). */
export async function startSmtpSink(): Promise<SmtpSink> {
  let received = 0;
  const tokens = new Map<string, string>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      // Only a sign-up link's mail is read (its token, for POST /api/organizations/verify).
      let head = '';
      stream.on('data', (chunk: Buffer) => {
        if (head.length < 64_000) head += chunk.toString('latin1');
      });
      stream.on('end', () => {
        if (/^x-dhanman-template: sign-up-link/im.test(head)) {
          // Quoted-printable: soft line breaks and an encoded '='.
          const token = /token=([\w-]+)/.exec(head.replace(/=\r?\n/g, '').replace(/=3D/g, '='))?.[1];
          for (const r of session.envelope.rcptTo) if (token) tokens.set(r.address.toLowerCase(), token);
        } else received += 1;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.server.address() as AddressInfo).port,
    received: () => received,
    signUpToken: (to) => tokens.get(to.toLowerCase()),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// The benches read a few fields of each answer; they do not type the API.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = Record<string, any>;

export interface ServiceClients<S extends string> {
  /**
   * One request, JSON in and out. A request with a body carries a fresh Idempotency-Key unless
   * `headers` name one.
   */
  call(
    service: S,
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    token?: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

/** A keep-alive connection pool per service. */
export function serviceClients<S extends string>(
  urls: Record<S, string>,
  connections: number,
): ServiceClients<S> {
  const pools = new Map<string, Pool>(
    Object.entries<string>(urls).map(([name, url]) => [name, new Pool(url, { connections, pipelining: 1 })]),
  );
  return {
    async call(service, method, path, token, body, headers = {}) {
      const res = await pools.get(service)!.request({
        method,
        path,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined
            ? {}
            : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.body.text();
      return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as Json };
    },
    close: async () => void (await Promise.all([...pools.values()].map((p) => p.close()))),
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `probe` (gently: the poll must not slow what it measures) until it holds; fails naming
 * `what` after `timeoutMs`.
 */
export async function until(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

let lastProgress = 0;
/** A line at most every 5 s while waiting, on stderr (the last stdout line stays the JSON). */
export function progress(line: string): void {
  if (Date.now() - lastProgress < 5000) return;
  lastProgress = Date.now();
  console.error(`  ... ${line}`);
}

/** A pg pool on one service's database of the bench's PostgreSQL. */
export function serviceDb(serverUrl: string, prefix: string, service: string): pg.Pool {
  const url = new URL(serverUrl);
  url.pathname = `/${prefix}_${service}`;
  return new pg.Pool({ connectionString: url.toString(), max: 2 });
}
