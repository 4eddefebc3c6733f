import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { PoisonFact } from './history.js';

/** `promise`, or a rejection after 20 s naming `what`. */
function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than 20 s`)), 20_000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where poison goes: Notification's command queue (one consumer, so one dead letter each). */
export const POISON_EXCHANGE = 'dhanman.commands';
export const POISON_ROUTING_KEY = 'notification.commands';

/**
 * Publishes `count` messages no handler can accept (a known command type with an invalid payload)
 * straight to the broker, as a buggy or hostile publisher would; each must end as exactly one dead
 * letter, and nothing else may. Tries each node in turn (one may be stopped by the nemesis).
 */
export async function sendPoison(
  amqpUrls: readonly string[],
  count: number,
  tag: string,
  tenant: { organizationId: string; companyId: string },
): Promise<PoisonFact[]> {
  let lastError: unknown;
  for (const url of amqpUrls) {
    let conn: amqp.ChannelModel | undefined;
    try {
      conn = await within(amqp.connect(url, { timeout: 10_000 }), 'connect');
      const ch = await conn.createConfirmChannel();
      const sent: PoisonFact[] = [];
      for (let i = 0; i < count; i++) {
        const messageId = randomUUID();
        const envelope = {
          messageId,
          type: 'notification.send-invoice-email',
          version: 1,
          correlationId: `chaos-poison-${tag}-${i}`,
          causationId: null,
          // A tenant's, so its admin sees the dead letter too (messages of no tenant are the operator's).
          organizationId: tenant.organizationId,
          companyId: tenant.companyId,
          source: 'chaos',
          occurredAt: new Date().toISOString(),
          payload: { poison: true, invoiceId: 'not-a-uuid' },
        };
        ch.publish(POISON_EXCHANGE, POISON_ROUTING_KEY, Buffer.from(JSON.stringify(envelope)), {
          persistent: true,
          messageId,
          contentType: 'application/json',
          type: envelope.type,
        });
        sent.push({ messageId, routingKey: POISON_ROUTING_KEY });
      }
      // A node killed between the publish and its confirm leaves the wait hanging: try the next node.
      await within(ch.waitForConfirms(), 'confirms');
      await conn.close();
      return sent;
    } catch (err) {
      lastError = err;
      void conn?.close().catch(() => undefined);
    }
  }
  throw new Error(`no RabbitMQ node took the poison messages: ${(lastError as Error)?.message}`);
}
