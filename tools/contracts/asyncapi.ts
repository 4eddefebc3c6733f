import type { JsonSchema, PublishedContract } from './published-store.js';
import {
  COMMANDS_EXCHANGE,
  EVENTS_EXCHANGE,
  commandRoutingKey,
  queueNames,
} from '#platform/messaging/envelope.js';

/** What the AsyncAPI document is made from; `bin/message-catalogue.ts` gathers it. */
export interface MessageCatalogue {
  title: string;
  version: string;
  description: string;
  /** Every message version: the code's current ones and the older recorded ones. */
  messages: readonly PublishedContract[];
  /** JSON Schema of the envelope every message travels in. */
  envelope: JsonSchema;
  /** Per service: the message types it publishes (events) or sends (commands). */
  sends: Readonly<Record<string, readonly string[]>>;
  /** Per service: the message types its handlers receive. */
  receives: Readonly<Record<string, readonly string[]>>;
}

type Doc = Record<string, unknown>;
type Ref = { $ref: string };
const ref = (...path: string[]): Ref => ({ $ref: `#/${path.join('/')}` });
const AMQP = '0.3.0';
const vhost = '/';

/**
 * An AsyncAPI 3.0 document of the bus: a channel per event type (routing key on the topic exchange)
 * and per command queue (direct exchange), a channel per service queue, every message version as
 * envelope + payload, and an operation per (service, message, send or receive). With `service`,
 * only that service's operations and what they refer to.
 */
export function asyncApiDocument(cat: MessageCatalogue, service?: string): Doc {
  const versions = (type: string) => cat.messages.filter((m) => m.type === type);
  const kindOf = (type: string) => versions(type)[0]?.kind;
  const latest = (type: string) => versions(type).at(-1);
  const msgKey = (m: PublishedContract) => `${m.type}.v${m.version}`;
  const channelMessages = (types: readonly string[]) =>
    Object.fromEntries(
      types.flatMap(versions).map((m) => [msgKey(m), ref('components', 'messages', msgKey(m))]),
    );

  const channels: Doc = {};
  const operations: Doc = {};
  const types = [...new Set(cat.messages.map((m) => m.type))].sort();

  for (const type of types.filter((t) => kindOf(t) === 'event')) {
    const keys = latest(type)?.routingKeys;
    channels[`event.${type}`] = {
      address: keys ? `${type}.{kind}` : type,
      title: `${type} on ${EVENTS_EXCHANGE}`,
      description: keys
        ? `Published to the topic exchange \`${EVENTS_EXCHANGE}\` with a routing key per kind: ${keys.map((k) => `\`${k}\``).join(', ')}. A queue is bound to the kinds its service handles.`
        : `Published to the topic exchange \`${EVENTS_EXCHANGE}\` with routing key \`${type}\`.`,
      ...(keys ? { parameters: { kind: { enum: keys.map((k) => k.slice(type.length + 1)) } } } : {}),
      messages: channelMessages([type]),
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: EVENTS_EXCHANGE, type: 'topic', durable: true, autoDelete: false, vhost },
          bindingVersion: AMQP,
        },
      },
    };
  }
  const targets = [
    ...new Set(cat.messages.flatMap((m) => (m.kind === 'command' && m.target ? [m.target] : []))),
  ].sort();
  for (const target of targets) {
    const commandTypes = types.filter((t) =>
      versions(t).some((m) => m.kind === 'command' && m.target === target),
    );
    channels[`command.${target}`] = {
      address: commandRoutingKey(target),
      title: `Commands to ${target}`,
      description: `Sent to the direct exchange \`${COMMANDS_EXCHANGE}\` with routing key \`${commandRoutingKey(target)}\`.`,
      messages: channelMessages(commandTypes),
      bindings: {
        amqp: {
          is: 'routingKey',
          exchange: { name: COMMANDS_EXCHANGE, type: 'direct', durable: true, autoDelete: false, vhost },
          bindingVersion: AMQP,
        },
      },
    };
  }

  for (const [svc, sent] of Object.entries(cat.sends)) {
    for (const type of sent) {
      const m = latest(type);
      if (!m) continue;
      const channel = m.kind === 'event' ? `event.${type}` : `command.${m.target ?? ''}`;
      operations[`${svc}.${m.kind === 'event' ? 'publishes' : 'sends'}.${type}`] = {
        action: 'send',
        title: `${svc} ${m.kind === 'event' ? 'publishes' : 'sends'} ${type}`,
        summary: `${svc} writes ${type} v${m.version} to its outbox; the relay ${m.kind === 'event' ? 'publishes' : 'sends'} it after commit.`,
        channel: ref('channels', channel),
        messages: [ref('channels', channel, 'messages', msgKey(m))],
        'x-service': svc,
      };
    }
  }
  for (const [svc, received] of Object.entries(cat.receives)) {
    const queues = queueNames(svc);
    for (const kind of ['event', 'command'] as const) {
      const mine = received.filter((t) => kindOf(t) === kind).sort();
      if (mine.length === 0) continue;
      const queue = kind === 'event' ? queues.events : queues.commands;
      channels[`queue.${queue}`] = {
        address: queue,
        title: `${svc}'s ${kind} queue`,
        description:
          kind === 'event'
            ? `Bound to \`${EVENTS_EXCHANGE}\` by each routing key below. Failures retry through TTL queues, then go to \`${queues.dlq}\`.`
            : `Bound to \`${COMMANDS_EXCHANGE}\` with routing key \`${commandRoutingKey(svc)}\`. Failures retry, then go to \`${queues.dlq}\`.`,
        messages: channelMessages(mine),
        bindings: {
          amqp: {
            is: 'queue',
            queue: { name: queue, durable: true, exclusive: false, autoDelete: false, vhost },
            bindingVersion: AMQP,
          },
        },
      };
      for (const type of mine) {
        operations[`${svc}.receives.${type}`] = {
          action: 'receive',
          title: `${svc} receives ${type}`,
          summary: `${svc} handles ${type} once per message id (inbox); older versions are upcast first.`,
          channel: ref('channels', `queue.${queue}`),
          messages: versions(type).map((m) => ref('channels', `queue.${queue}`, 'messages', msgKey(m))),
          'x-service': svc,
        };
      }
    }
  }

  const messages: Doc = {};
  const schemas: Doc = { Envelope: cat.envelope };
  for (const m of cat.messages) {
    const key = msgKey(m);
    schemas[`${key}.payload`] = m.payload;
    schemas[key] = {
      title: `${m.type} v${m.version}`,
      allOf: [
        ref('components', 'schemas', 'Envelope'),
        {
          type: 'object',
          properties: {
            type: { const: m.type },
            version: { const: m.version },
            payload: ref('components', 'schemas', `${key}.payload`),
          },
        },
      ],
    };
    const latestVersion = latest(m.type)?.version;
    messages[key] = {
      name: m.type,
      title: `${m.type} v${m.version}`,
      summary:
        m.kind === 'event'
          ? `Event ${m.type}, version ${m.version}`
          : `Command ${m.type} to ${m.target ?? '?'}, version ${m.version}`,
      ...(m.version !== latestVersion
        ? { description: `Superseded by v${latestVersion}: still read (upcast), no longer written.` }
        : {}),
      contentType: 'application/json',
      correlationId: {
        description: 'Carried from the request that caused it',
        location: '$message.payload#/correlationId',
      },
      payload: ref('components', 'schemas', key),
    };
  }

  const doc: Doc = {
    asyncapi: '3.0.0',
    info: {
      title: service ? `${cat.title}: ${service}` : cat.title,
      version: cat.version,
      description: cat.description,
    },
    defaultContentType: 'application/json',
    servers: {
      rabbitmq: {
        host: 'localhost:5672',
        protocol: 'amqp',
        protocolVersion: '0-9-1',
        description: 'The broker named by AMQP_URL. Embedded mode routes the same way in process.',
      },
    },
    channels,
    operations,
    components: { schemas, messages },
  };
  return service ? partOf(doc, service) : doc;
}

/** Only `service`'s operations, and the channels, messages and schemas they refer to. */
function partOf(doc: Doc, service: string): Doc {
  const ops = Object.fromEntries(
    Object.entries(doc.operations as Doc).filter(([, op]) => (op as Doc)['x-service'] === service),
  );
  const refs = new Set<string>();
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string') refs.add(v);
        else collect(v);
      }
    }
  };
  const keep = (section: Doc, prefix: string): Doc => {
    const kept = Object.fromEntries(
      Object.entries(section).filter(
        ([k]) => refs.has(`${prefix}/${k}`) || [...refs].some((r) => r.startsWith(`${prefix}/${k}/`)),
      ),
    );
    collect(kept);
    return kept;
  };
  collect(ops);
  const channels = keep(doc.channels as Doc, '#/channels');
  const components = doc.components as { schemas: Doc; messages: Doc };
  const messages = keep(components.messages, '#/components/messages');
  keep(components.schemas, '#/components/schemas'); // a message's schema refers to its payload's and the envelope's
  const schemas = keep(components.schemas, '#/components/schemas');
  return { ...doc, channels, operations: ops, components: { schemas, messages } };
}
