import amqplib from 'amqplib';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { DEMO_VENDORS } from '#contracts/demo.js';
import { SERVICE_SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import type { ServiceName } from '#contracts/services.js';
import { queueNames } from '#platform/messaging/envelope.js';
import { registry } from '#platform/observability/metrics.js';
import { rabbitmqctl } from '../../harness/rabbitmq-node.js';
import { waitFor } from '../../support/wait.js';
import { PurchaseFlow, type PurchaseFlowCase } from '../purchase-flow/fixture.js';

const CASES: PurchaseFlowCase[] = [
  { name: 'RabbitMQ + PostgreSQL', mode: 'distributed', smtp: false },
  { name: 'embedded (in-process transport)', mode: 'embedded', smtp: false },
];

/** Which handler takes the ledger's acknowledgement of each posting kind (none: nobody is bound). */
const ACKNOWLEDGED_BY: Record<string, Array<[ServiceName, string]>> = {
  invoice: [['sales', 'sales.invoices.ledger-posted']],
  'po-reservation': [['purchase', 'purchase.purchase-orders.ledger-posted']],
  bill: [['purchase', 'purchase.bills.ledger-posted']],
  salary: [['payroll', 'payroll.salary-runs.ledger-posted']],
  payment: [],
  'invoice-void': [],
  'po-reservation-reversal': [],
};
const RECEIVERS: ServiceName[] = ['sales', 'purchase', 'payroll'];

/** Messages that reached a service with no handler for them (received, then dropped). */
async function ignored(): Promise<number> {
  const metric = await registry.getSingleMetric('dhanman_messages_consumed_total')!.get();
  return metric.values.filter((v) => v.labels.outcome === 'ignored').reduce((n, v) => n + v.value, 0);
}

/**
 * Narrow routing keys: after one of each business flow (invoice, payment, void, purchase order
 * with its reservation, bill, salary run) every queue is bound to exactly what its service
 * handles, no service received a message it dropped (no inbox row, no "ignored"), and no queue
 * is left holding messages.
 */
describe.each(CASES)('narrow routing on $name', (c) => {
  const f = PurchaseFlow.forTests(c);
  const t = (role: string) => f.tokens[role]!;

  it('one of each flow: each acknowledgement reaches only the service of its document, and every queue drains', async () => {
    const ignoredBefore = await ignored();

    const customer = await f.post('common', '/api/customers', t('admin'), {
      name: 'Routing Resident',
      email: `routing-${randomUUID().slice(0, 8)}@demo.dhanman.local`,
    });
    expect(customer.status, JSON.stringify(customer.body)).toBe(201);
    const invoice = async (amount: string) => {
      const res = await f.post('sales', '/api/invoices', t('admin'), {
        customerId: customer.body.id,
        amount,
        dueDate: '2031-03-31',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const paid = await invoice('1200.00');
    const voided = await invoice('300.00');
    const posted = (id: string) => async () => (await f.get('sales', `/api/invoices/${id}`)).body.posted;
    await waitFor('the invoices posted', async () => (await posted(paid)()) && (await posted(voided)()));
    const payment = await f.post('sales', `/api/invoices/${paid}/payments`, t('admin'), {
      paymentMethodId: 'pm_card_visa',
    });
    expect([201, 202], JSON.stringify(payment.body)).toContain(payment.status);
    const voiding = await f.post('sales', `/api/invoices/${voided}/void`, t('admin'), undefined);
    expect(voiding.status, JSON.stringify(voiding.body)).toBe(200);

    const po = await f.post('purchase', '/api/purchase-orders', t('accountant'), {
      vendorId: DEMO_VENDORS[0].id,
      items: [{ description: 'Routing supplies', quantity: 2, unitPrice: '1000.00' }],
    });
    expect(po.status, JSON.stringify(po.body)).toBe(201);
    await f.post('purchase', `/api/purchase-orders/${po.body.id}/submit`, t('accountant'), undefined, null);
    const approved = await f.post(
      'purchase',
      `/api/purchase-orders/${po.body.id}/approve`,
      t('manager'),
      {},
      null,
    );
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    await waitFor(
      'the reservation acknowledged',
      async () => (await f.get('purchase', `/api/purchase-orders/${po.body.id}`)).body.budgetReserved,
    );
    const bill = await f.post('purchase', '/api/bills', t('accountant'), {
      vendorId: DEMO_VENDORS[0].id,
      amount: '1500.00',
      dueDate: '2031-03-15',
      purchaseOrderId: po.body.id,
    });
    expect(bill.status, JSON.stringify(bill.body)).toBe(201);

    const run = await f.post('payroll', '/api/salary-runs', t('accountant'), { period: '2031-07' });
    expect(run.status, JSON.stringify(run.body)).toBe(201);
    await f.post('payroll', `/api/salary-runs/${run.body.id}/post`, t('accountant'), undefined, null);

    // Common acknowledges seven posting kinds; each is handled where it belongs, once.
    const documents = [paid, voided, po.body.id, bill.body.id, run.body.id];
    const acks = await waitFor('an acknowledgement of every posting kind', async () => {
      const { rows } = await f.db('common').query<{ message_id: string; kind: string }>(
        `SELECT message_id, body::jsonb #>> '{payload,postingKind}' AS kind FROM outbox
            WHERE type = 'common.ledger-posted' AND sent_at IS NOT NULL
              AND body::jsonb #>> '{payload,referenceId}' = ANY($1)
               OR body::jsonb #>> '{payload,referenceType}' = 'payment'`,
        [documents],
      );
      const kinds = new Set(rows.map((r) => r.kind));
      return Object.keys(ACKNOWLEDGED_BY).every((k) => kinds.has(k)) ? rows : undefined;
    });
    for (const ack of acks) {
      const expected = ACKNOWLEDGED_BY[ack.kind]!;
      for (const [service, handler] of expected) {
        await waitFor(`${handler} to take the ${ack.kind} acknowledgement`, async () => {
          const { rows } = await f
            .db(service)
            .query('SELECT 1 FROM inbox WHERE message_id = $1 AND handler = $2', [ack.message_id, handler]);
          return rows.length === 1;
        });
      }
    }
    // Drained queues and no inbox row for a message a service does not handle.
    const transport = await f.system.runtime.transport();
    for (const t of SERVICE_SUBSCRIPTIONS) {
      const names = queueNames(t.service);
      for (const queue of t.commands ? [names.events, names.commands] : [names.events]) {
        await waitFor(`${queue} empty`, async () => (await transport.depth(queue)) === 0);
      }
    }
    for (const service of RECEIVERS) {
      const { rows } = await f
        .db(service)
        .query<{ handler: string }>('SELECT handler FROM inbox WHERE message_id = ANY($1)', [
          acks.map((a) => a.message_id),
        ]);
      const expected = acks.flatMap((a) =>
        ACKNOWLEDGED_BY[a.kind]!.filter(([s]) => s === service).map(([, h]) => h),
      );
      expect(rows.map((r) => r.handler).sort(), service).toEqual(expected.sort());
    }
    expect(await ignored()).toBe(ignoredBefore);
  });

  // RabbitMQ only: the in-process transport keeps exactly the declared bindings by construction.
  if (c.mode === 'distributed')
    it("each service's queue is bound to what it handles; a broad binding left by an older release is removed on declare", async () => {
      const vhost = decodeURIComponent(new URL(f.system.env.AMQP_URL!).pathname.slice(1));
      const bindings = async (queue: string) =>
        (
          await rabbitmqctl(
            inject('rabbitNode'),
            'list_bindings',
            '-p',
            vhost,
            '--quiet',
            '--no-table-headers',
            'source_name',
            'destination_name',
            'routing_key',
          )
        )
          .split('\n')
          .map((l) => l.trim().split(/\s+/))
          .filter(([source, destination]) => source === 'dhanman.events' && destination === queue)
          .map(([, , key]) => key!)
          .sort();

      for (const t of SERVICE_SUBSCRIPTIONS) {
        expect(await bindings(queueNames(t.service).events), t.service).toEqual([...t.eventTypes].sort());
      }
      expect(await bindings('purchase.events')).toEqual([
        'common.ledger-posted.bill',
        'common.ledger-posted.po-reservation',
        'common.user-created',
      ]);

      // What a release before the narrow keys bound: the whole type, on Purchase's queue.
      const conn = await amqplib.connect(f.system.env.AMQP_URL!);
      const ch = await conn.createChannel();
      await ch.bindQueue('purchase.events', 'dhanman.events', 'common.ledger-posted');
      await ch.bindQueue('purchase.events', 'dhanman.events', 'common.ledger-posted.invoice');
      await conn.close();
      expect(await bindings('purchase.events')).toContain('common.ledger-posted');

      const purchase = SERVICE_SUBSCRIPTIONS.find((t) => t.service === 'purchase')!;
      await (await f.system.runtime.transport()).declare(purchase);
      expect(await bindings('purchase.events')).toEqual([
        'common.ledger-posted.bill',
        'common.ledger-posted.po-reservation',
        'common.user-created',
      ]);
      // Declaring again (the next start) changes nothing: unbinding what is not bound is a no-op.
      await (await f.system.runtime.transport()).declare(purchase);
      expect(await bindings('purchase.events')).toHaveLength(3);
    });
});
