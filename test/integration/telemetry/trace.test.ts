import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiOf } from '../../support/api.js';
import {
  KIND,
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../../support/otlp-receiver.js';
import { startTestSystem, type Mode, type TestSystem } from '../../support/system.js';
import { waitFor } from '../../support/wait.js';

/**
 * One invoice is one trace: Sales' request, its call to Common, the publish into the outbox, the
 * relay's send, Common's and Notification's processing, LedgerPosted back and Sales' handling of
 * it, each span the child of the one before, exported over OTLP to a collector the test runs.
 */
describe.each<{ mode: Mode }>([{ mode: 'distributed' }, { mode: 'embedded' }])(
  'one trace per invoice ($mode)',
  ({ mode }) => {
    let otlp: OtlpReceiver;
    let system: TestSystem;
    let api: ReturnType<typeof apiOf>;
    let admin: string;

    beforeAll(async () => {
      otlp = await startOtlpReceiver();
      system = await startTestSystem({
        mode,
        only: ['common', 'sales', 'notification'],
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_BSP_SCHEDULE_DELAY: '50' },
      });
      api = apiOf(system);
      admin = await system.login('admin@demo.dhanman.local');
    });
    afterAll(async () => {
      await system?.stop();
      await otlp?.close();
    });

    it('follows the invoice from the request to the mail and back to Sales', async () => {
      const customer = await api('common', 'POST', '/api/customers', {
        token: admin,
        body: { name: 'Anita Rao', email: `${randomUUID().slice(0, 8)}@residents.example` },
      });
      expect(customer.status).toBe(201);
      const correlationId = `trace-${randomUUID()}`;
      const created = await api('sales', 'POST', '/api/invoices', {
        token: admin,
        body: { customerId: customer.body.id, amount: '100.00', dueDate: '2031-03-31' },
        headers: { 'idempotency-key': randomUUID(), 'x-correlation-id': correlationId },
      });
      expect(created.status).toBe(201);

      const find = (spans: ReceivedSpan[], service: string, name: string, kind: number) =>
        spans.find((s) => s.service === service && s.name === name && s.kind === kind);
      const chain = await waitFor(
        'the spans of the invoice',
        () => {
          const spans = otlp.spans.filter((s) => s.attributes['dhanman.correlation_id'] === correlationId);
          const found = {
            request: find(spans, 'sales', 'POST /api/invoices', KIND.server),
            customerCall: find(spans, 'sales', 'GET /api/customers/{id}', KIND.client),
            customerServed: find(spans, 'common', 'GET /api/customers/:id', KIND.server),
            publish: find(spans, 'sales', 'publish dhanman.events', KIND.producer),
            send: find(spans, 'sales', 'send dhanman.events', KIND.producer),
            common: find(spans, 'common', 'process common.events', KIND.consumer),
            notification: find(spans, 'notification', 'process notification.events', KIND.consumer),
            ledgerPublish: find(spans, 'common', 'publish dhanman.events', KIND.producer),
            ledgerSend: find(spans, 'common', 'send dhanman.events', KIND.producer),
            sales: find(spans, 'sales', 'process sales.events', KIND.consumer),
          };
          return Object.values(found).every((s) => s !== undefined)
            ? (found as Record<keyof typeof found, ReceivedSpan>)
            : undefined;
        },
        20_000,
      );

      const traceIds = new Set(Object.values(chain).map((s) => s.traceId));
      expect(traceIds.size).toBe(1);
      expect(chain.request.parentSpanId).toBeUndefined();
      const parentOf = (child: ReceivedSpan, parent: ReceivedSpan) =>
        expect(child.parentSpanId, `${child.service} ${child.name}`).toBe(parent.spanId);
      parentOf(chain.customerCall, chain.request);
      parentOf(chain.customerServed, chain.customerCall);
      parentOf(chain.publish, chain.request);
      parentOf(chain.send, chain.publish);
      parentOf(chain.common, chain.send);
      parentOf(chain.notification, chain.send);
      parentOf(chain.ledgerPublish, chain.common);
      parentOf(chain.ledgerSend, chain.ledgerPublish);
      parentOf(chain.sales, chain.ledgerSend);

      expect(chain.publish.attributes).toMatchObject({
        'messaging.system': 'rabbitmq',
        'messaging.operation.name': 'publish',
        'messaging.destination.name': 'dhanman.events',
        'messaging.rabbitmq.destination.routing_key': 'sales.invoice-created',
      });
      expect(chain.common.attributes).toMatchObject({
        'messaging.system': 'rabbitmq',
        'messaging.operation.type': 'process',
        'messaging.destination.name': 'common.events',
        'messaging.rabbitmq.destination.routing_key': 'sales.invoice-created',
        'dhanman.outcome': 'success',
      });
      expect(chain.sales.attributes['messaging.rabbitmq.destination.routing_key']).toBe(
        'common.ledger-posted.invoice',
      );
      // The handlers' statements are spans of the same trace, under the processing span.
      const commonStatements = otlp.spans.filter(
        (s) => s.parentSpanId === chain.common.spanId && s.kind === KIND.client,
      );
      expect(commonStatements.length).toBeGreaterThan(0);
      expect(commonStatements[0]!.attributes['db.namespace']).toBe('common');
    });
  },
);
