import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DEMO_COMPANY, DEMO_ORGANIZATION } from '#contracts/demo.js';
import { rabbitctl } from '../../../ops/cluster/rabbitmq.js';
import { waitFor } from '../../support/wait.js';
import type { ClusterUnderTest } from './cluster-fixture.js';
import type { LoadResult } from './invoice-load.js';

/**
 * What the cluster scenarios ask of the running cluster: HTTP through the balancer as the demo
 * administrator, rows in the services' databases, and RabbitMQ's view of its queues. `cluster`
 * and `admin` are read when called (the cluster starts in the test file's beforeAll).
 */
export function clusterChecks(cluster: () => ClusterUnderTest, admin: () => string) {
  const api = async (service: 'common' | 'sales', method: string, path: string, body?: unknown) => {
    const res = await fetch(`${cluster().url(service)}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${admin()}`,
        ...(body === undefined
          ? {}
          : { 'content-type': 'application/json', 'idempotency-key': randomUUID() }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> };
  };

  /** A customer per client, with an email of this scenario's own, so its mails can be counted. */
  async function customers(tag: string, n = 16): Promise<{ ids: string[]; emails: string[] }> {
    const emails = Array.from({ length: n }, (_, i) => `${tag}-${i}@cluster.example`);
    const ids: string[] = [];
    for (const email of emails) {
      const res = await api('common', 'POST', '/api/customers', { name: `Client ${email}`, email });
      expect(res.status).toBe(201);
      ids.push(res.body.id as string);
    }
    return { ids, emails };
  }

  const countRows = async (service: 'sales' | 'common' | 'notification', sql: string, params: unknown[]) =>
    Number((await cluster().db(service).query<{ n: string }>(sql, params)).rows[0]!.n);

  /** Every invoice made once, posted with exactly one journal, mailed once; the trial balance balances. */
  async function expectEachInvoiceOnce(load: LoadResult, emails: string[], expected: number): Promise<void> {
    expect(load.failed).toEqual([]);
    const ids = [...load.invoices.values()];
    expect(new Set(ids).size).toBe(expected);
    const tagKeys = [...load.invoices.keys()];
    expect(
      await countRows('sales', 'SELECT count(*) AS n FROM invoice WHERE idempotency_key = ANY($1)', [
        tagKeys,
      ]),
    ).toBe(expected);
    await waitFor(
      'every invoice posted',
      async () =>
        (await countRows(
          'sales',
          'SELECT count(*) AS n FROM invoice WHERE id = ANY($1::uuid[]) AND journal_id IS NOT NULL',
          [ids],
        )) === expected,
      240_000,
      500,
    );
    const journals = await cluster()
      .db('common')
      .query<{ n: string }>(
        'SELECT count(*) AS n FROM journal WHERE reference_id = ANY($1::uuid[]) GROUP BY reference_id',
        [ids],
      );
    expect(journals.rows).toHaveLength(expected);
    expect(journals.rows.every((r) => r.n === '1')).toBe(true);
    const mails = () =>
      countRows(
        'notification',
        `SELECT count(*) AS n FROM outgoing_email WHERE template = 'invoice-created' AND recipient = ANY($1)`,
        [emails],
      );
    await waitFor('every invoice mailed', async () => (await mails()) >= expected, 240_000, 500);
    expect(await mails()).toBe(expected);
    expect(await deadLetters()).toEqual([]);
    const trial = await api('common', 'GET', '/api/ledger/trial-balance');
    expect(trial.status).toBe(200);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);
  }

  /** Dead-letter queues holding messages (none is expected: no poison message is sent). */
  async function deadLetters(): Promise<string[]> {
    const { plan } = cluster().state();
    const out = await rabbitctl(plan.rabbitmq[0]!, 'list_queues', 'name', 'messages', '--formatter', 'json');
    const queues = JSON.parse(out) as { name: string; messages: number }[];
    return queues
      .filter((q) => q.name.endsWith('.dlq') && q.messages > 0)
      .map((q) => `${q.name}: ${q.messages}`);
  }

  /** Queues whose members are not all online (asked of `via`). */
  async function queuesShort(via: number): Promise<string[]> {
    const plan = cluster().state().plan;
    const out = await rabbitctl(
      plan.rabbitmq[via]!,
      'list_queues',
      'name',
      'members',
      'online',
      '--formatter',
      'json',
    );
    const queues = JSON.parse(out) as { name: string; members: string[]; online: string[] }[];
    return queues.filter((q) => q.members.length !== 3 || q.online.length !== 3).map((q) => q.name);
  }

  /** `count` residents in the demo organization, each the customer of the same id in Common (written straight to the tables). */
  async function populateResidents(tag: string, n: number): Promise<void> {
    const org = DEMO_ORGANIZATION.id;
    const company = DEMO_COMPANY.id;
    const id = (kind: string) => {
      const h = `md5($1::text || '${kind}' || i)`;
      return `(substr(${h}, 1, 12) || '4' || substr(${h}, 14, 3) || '8' || substr(${h}, 18))::uuid`;
    };
    await cluster()
      .db('common')
      .query(
        `INSERT INTO customer (id, organization_id, company_id, name, email)
       SELECT ${id('customer')}, $2::uuid, $3::uuid, 'Resident ' || i, $1 || '-' || i || '@residents.example'
         FROM generate_series(1, $4::int) AS i`,
        [tag, org, company, n],
      );
    const building = randomUUID();
    await cluster()
      .db('community')
      .query(`INSERT INTO building (id, organization_id, company_id, name) VALUES ($1, $2, $3, $4)`, [
        building,
        org,
        company,
        `Tower ${tag}`,
      ]);
    await cluster()
      .db('community')
      .query(
        `INSERT INTO unit (id, organization_id, company_id, building_id, code)
       SELECT ${id('unit')}, $2::uuid, $3::uuid, $4::uuid, $1 || '-' || i FROM generate_series(1, $5::int) AS i`,
        [tag, org, company, building, n],
      );
    await cluster()
      .db('community')
      .query(
        `INSERT INTO resident (id, organization_id, company_id, unit_id, customer_id, name, email, monthly_charges)
       SELECT ${id('resident')}, $2::uuid, $3::uuid, ${id('unit')}, ${id('customer')}, 'Resident ' || i,
              $1 || '-' || i || '@residents.example', 2500
         FROM generate_series(1, $4::int) AS i`,
        [tag, org, company, n],
      );
  }

  return { api, customers, countRows, expectEachInvoiceOnce, deadLetters, queuesShort, populateResidents };
}

export const monthsBefore = (period: string, n: number): string => {
  const [y, m] = period.split('-').map(Number) as [number, number];
  const index = y * 12 + (m - 1) - n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
};

export const readyStatus = (base: string) =>
  fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(10_000) }).then(
    (r) => r.status,
    (err: unknown) => String(err),
  );

export const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    process.stderr.write(`[cluster test] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }
};
