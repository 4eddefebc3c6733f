import { z } from 'zod';

/** The envelope every message travels in, on both transports. */
export const envelopeSchema = z.object({
  messageId: z.uuid(),
  type: z.string().min(1),
  version: z.number().int().positive(),
  correlationId: z.string().min(1).max(200),
  causationId: z.string().min(1).max(200).nullable(),
  organizationId: z.uuid(),
  companyId: z.uuid().nullable(),
  source: z.string().min(1),
  occurredAt: z.iso.datetime(),
  payload: z.unknown(),
  /**
   * W3C trace context of the publish, written when the message enters the outbox. Optional, so
   * messages from before tracing (or from a sender without it) read as they did; a malformed one
   * is dropped rather than dead-lettering the message.
   */
  traceparent: z.string().max(128).optional().catch(undefined),
});

export type Envelope<P = unknown> = Omit<z.infer<typeof envelopeSchema>, 'payload'> & { payload: P };

export type MessageKind = 'event' | 'command';

export const EVENTS_EXCHANGE = 'dhanman.events';
export const COMMANDS_EXCHANGE = 'dhanman.commands';

export const queueNames = (service: string) => ({
  events: `${service}.events`,
  commands: `${service}.commands`,
  dlq: `${service}.dlq`,
});

export const commandRoutingKey = (service: string) => `${service}.commands`;

/** `<service>.events` / `<service>.commands` -> `<service>.dlq`. */
export function dlqOf(queue: string): string {
  const dot = queue.lastIndexOf('.');
  return `${dot > 0 ? queue.slice(0, dot) : queue}.dlq`;
}
