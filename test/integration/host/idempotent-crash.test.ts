import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { freePort } from '../../harness/ports.js';
import { launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

/**
 * Common as Sales sees it, through a proxy that can hold the customer check open: the invoice
 * request is then in progress, its Idempotency-Key claimed, for as long as the test likes.
 */
function holdingProxy(upstream: string) {
  const state = { hold: true, held: [] as ServerResponse[] };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (state.hold && req.method === 'GET' && req.url?.startsWith('/api/customers/')) {
      state.held.push(res);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const headers = { ...req.headers } as Record<string, string>;
      for (const h of ['host', 'connection', 'content-length', 'keep-alive']) delete headers[h];
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      fetch(`${upstream}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          answer.headers.forEach((v, k) => {
            if (!['content-length', 'transfer-encoding', 'content-encoding', 'connection'].includes(k))
              out[k] = v;
          });
          res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.destroy());
    });
  });
  return { state, server };
}

describe('a retry after the process holding its Idempotency-Key was killed (PostgreSQL)', () => {
  let system: TestSystem | undefined;
  let proxy: Server | undefined;
  const running: Launched[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => terminate(p, 'SIGKILL')));
    proxy?.closeAllConnections();
    proxy?.close();
    await system?.stop();
  });

  it('is answered within 5 s of the restart, and the invoice is made once', async () => {
    system = await startTestSystem({ mode: 'distributed', only: ['common'] });
    const token = await system.login('admin@demo.dhanman.local');
    const { state, server } = holdingProxy(system.url('common'));
    proxy = server;
    const proxyPort = await freePort();
    await new Promise<void>((resolve) => server.listen(proxyPort, '127.0.0.1', resolve));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = {
      ...system.env,
      LOG_LEVEL: 'warn',
      PORT: String(port),
      COMMON_URL: `http://127.0.0.1:${proxyPort}`,
      HTTP_TIMEOUT_MS: '60000',
    };
    const startSales = async () => {
      const sales = launch('bin/service.ts', ['sales'], env);
      running.push(sales);
      await waitReady(url, sales);
      return sales;
    };
    const key = randomUUID();
    const create = () =>
      fetch(`${url}/api/invoices`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'idempotency-key': key,
        },
        body: JSON.stringify({
          customerId: DEMO_RESIDENTS[0].customerId,
          amount: '1200.00',
          dueDate: '2031-01-31',
        }),
      });

    const first = await startSales();
    const lost = create().catch(() => 'connection lost');
    // Sales has claimed the key and is asking Common about the customer: kill it there.
    await waitFor('Sales to check the customer with Common', () => state.held.length > 0, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    expect(await lost).toBe('connection lost');
    state.hold = false;
    for (const res of state.held) res.destroy();

    await startSales();
    const restarted = Date.now();
    // The client retries while the key is still claimed (409), as a client honouring Retry-After would.
    let answer = await create();
    if (answer.status === 409) {
      answer = await waitFor(
        'the retry to be answered',
        async () => {
          const res = await create();
          return res.status !== 409 && res;
        },
        5_000,
        100,
      ).catch(() => answer);
    }
    const elapsed = Date.now() - restarted;
    expect(answer.status).toBe(201);
    expect(elapsed).toBeLessThan(5_000);
    const invoice = (await answer.json()) as { id: string };

    const again = await create();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(invoice.id);
    const db = new pg.Client({
      connectionString: inject('databaseUrl').replace(/\/[^/]*$/, `/${system.env.DATABASE_PREFIX}_sales`),
    });
    await db.connect();
    try {
      const { rows } = await db.query<{ n: string }>('SELECT count(*) AS n FROM invoice');
      expect(rows[0]!.n).toBe('1');
    } finally {
      await db.end();
    }
  }, 180_000);
});
