import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import type { FlowService } from './launch.js';
import { percentile } from '../latency.js';

export interface RunResult {
  invoices: number;
  concurrency: number;
  httpSeconds: number;
  /** When the last ledger posting and the last mail were seen (from the first request). */
  ledgerSeconds: number;
  mailSeconds: number;
  endToEndSeconds: number;
  httpPerSecond: number;
  endToEndPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number };
  errors: number;
}

// The bench reads a few fields of each answer; it does not type the API.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** A keep-alive client per service, JSON in and out. */
function clients(urls: Record<FlowService, string>, connections: number) {
  const pools = Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [name, new Pool(url, { connections, pipelining: 1 })]),
  ) as Record<FlowService, Pool>;
  const call = async (
    service: FlowService,
    method: 'GET' | 'POST',
    path: string,
    token?: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await pools[service].request({
      method,
      path,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    return { status: res.statusCode, body: (text ? JSON.parse(text) : {}) as Json };
  };
  return { call, close: () => Promise.all(Object.values(pools).map((p) => p.close())) };
}

/**
 * Creates `invoices` invoices over HTTP, `concurrency` at a time, spread over a few customers, and
 * measures until every one is posted in the ledger (trial balance) and mailed (Notification's log).
 */
export async function runInvoices(
  urls: Record<FlowService, string>,
  opts: { invoices: number; concurrency: number; customers: number; password: string },
): Promise<RunResult> {
  const { call, close } = clients(urls, opts.concurrency);
  try {
    const login = await call('common', 'POST', '/api/auth/login', undefined, {
      email: 'admin@demo.dhanman.local',
      password: opts.password,
    });
    if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
    const token = login.body.accessToken as string;
    const customers: string[] = [];
    for (let i = 0; i < opts.customers; i++) {
      const c = await call('common', 'POST', '/api/customers', token, {
        name: `Bench Resident ${i}`,
        email: `bench-${randomUUID().slice(0, 8)}@residents.example`,
      });
      if (c.status !== 201)
        throw new Error(`customer creation failed: ${c.status} ${JSON.stringify(c.body)}`);
      customers.push(c.body.id as string);
    }
    const receivable = async () => {
      const tb = await call('common', 'GET', '/api/ledger/trial-balance', token);
      return Number((tb.body.accounts as Json[]).find((a) => a.accountCode === '1200')?.debit ?? 0);
    };
    const mailed = async (since: string) => {
      const s = await call(
        'notification',
        'GET',
        `/api/emails/summary?since=${encodeURIComponent(since)}`,
        token,
      );
      return Number(s.body.byTemplate?.['invoice-created'] ?? 0);
    };
    const before = await receivable();
    const since = new Date(Date.now() - 1000).toISOString();
    const mailedBefore = await mailed(since);

    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < opts.invoices) {
        const i = next++;
        const t = performance.now();
        const res = await call(
          'sales',
          'POST',
          '/api/invoices',
          token,
          { customerId: customers[i % customers.length], amount: '100.00', dueDate: '2031-12-31' },
          { 'idempotency-key': randomUUID() },
        );
        latencies.push(performance.now() - t);
        if (res.status !== 201) {
          errors += 1;
          if (errors <= 3) console.error(`invoice ${i}: ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    const httpSeconds = (performance.now() - started) / 1000;
    const created = opts.invoices - errors;
    const expected = before + created * 100;
    const deadline = Date.now() + 600_000;
    let ledgerSeconds: number | undefined;
    let mailSeconds: number | undefined;
    for (;;) {
      const [posted, sent] = await Promise.all([receivable(), mailed(since)]);
      const at = (performance.now() - started) / 1000;
      if (ledgerSeconds === undefined && posted >= expected - 0.001) ledgerSeconds = at;
      if (mailSeconds === undefined && sent - mailedBefore >= created) mailSeconds = at;
      if (ledgerSeconds !== undefined && mailSeconds !== undefined) break;
      if (Date.now() > deadline)
        throw new Error(
          `not complete after 10 minutes: posted ${posted - before}, mailed ${sent - mailedBefore}`,
        );
      // Polled gently: the poll itself must not slow what it measures.
      await new Promise((r) => setTimeout(r, 200));
    }
    const endToEndSeconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    return {
      invoices: created,
      concurrency: opts.concurrency,
      httpSeconds,
      ledgerSeconds: ledgerSeconds!,
      mailSeconds: mailSeconds!,
      endToEndSeconds,
      httpPerSecond: created / httpSeconds,
      endToEndPerSecond: created / endToEndSeconds,
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
      },
      errors,
    };
  } finally {
    await close();
  }
}
