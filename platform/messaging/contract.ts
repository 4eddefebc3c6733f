import type { z } from 'zod';
import type { MessageKind } from './envelope.js';

/**
 * A message type declared once: its name, current version and schema, and how to lift
 * older versions to the current one. `contracts/` declares every message with these.
 */
export interface MessageContract<S extends z.ZodType = z.ZodType> {
  readonly kind: MessageKind;
  readonly type: string;
  readonly version: number;
  readonly schema: S;
  /** For commands: the service whose `<service>.commands` queue receives it. */
  readonly target?: string;
  /** upcasters[v] turns a version-v payload into a version-(v+1) payload. */
  readonly upcasters: Readonly<Record<number, (payload: unknown) => unknown>>;
  /**
   * Events whose consumers care about a kind: the routing key is the type plus this last segment
   * (`common.ledger-posted.invoice`), so a queue is bound to the kinds its service handles and
   * the broker filters the rest.
   */
  readonly routing?: RoutingSegment;
  /** A subscription narrowed to these segments (see `only`); absent: every segment. */
  readonly only?: readonly string[];
}

export interface RoutingSegment {
  /** Every segment the publisher may write (the bindings of a subscriber to all of them). */
  readonly segments: readonly string[];
  readonly of: (payload: unknown) => string;
}

export type PayloadOf<C> = C extends MessageContract<infer S> ? z.infer<S> : never;

interface ContractSpec<S extends z.ZodType> {
  type: string;
  version: number;
  schema: S;
  upcasters?: Record<number, (payload: unknown) => unknown>;
  routing?: { segments: readonly string[]; of: (payload: z.infer<S>) => string };
}

export function defineEvent<S extends z.ZodType>(spec: ContractSpec<S>): MessageContract<S> {
  const { routing, ...rest } = spec;
  return {
    kind: 'event',
    upcasters: {},
    ...rest,
    ...(routing ? { routing: { segments: routing.segments, of: (p) => routing.of(p as z.infer<S>) } } : {}),
  };
}

/**
 * A subscription to some kinds of a segmented event only: its queue is bound to those routing
 * keys, and its handler sees only them.
 */
export function only<S extends z.ZodType>(
  contract: MessageContract<S>,
  ...segments: string[]
): MessageContract<S> {
  if (!contract.routing) throw new Error(`${contract.type} has no routing segment to narrow by`);
  const unknown = segments.filter((s) => !contract.routing!.segments.includes(s));
  if (unknown.length || segments.length === 0) {
    throw new Error(`${contract.type} has no segment(s) ${unknown.join(', ') || '(none given)'}`);
  }
  return { ...contract, only: [...new Set(segments)].sort() };
}

/** The routing key a message of `contract` with `payload` is published with (events). */
export function routingKeyOf(contract: MessageContract, payload: unknown): string {
  return contract.routing ? `${contract.type}.${contract.routing.of(payload)}` : contract.type;
}

/** The routing keys a subscription to `contract` binds on the topic exchange. */
export function bindingKeysOf(contract: MessageContract): string[] {
  if (!contract.routing) return [contract.type];
  return (contract.only ?? contract.routing.segments).map((s) => `${contract.type}.${s}`);
}

/**
 * Whether a handler subscribed to `contract` takes this payload. Only a segmented, narrowed
 * subscription refuses: a message published before the keys narrowed may still sit in a queue.
 */
export function accepts(contract: MessageContract, payload: unknown): boolean {
  if (!contract.only || !contract.routing) return true;
  return contract.only.includes(contract.routing.of(payload));
}

export function defineCommand<S extends z.ZodType>(
  spec: Omit<ContractSpec<S>, 'routing'> & { target: string },
): MessageContract<S> {
  return { kind: 'command', upcasters: {}, ...spec };
}

export class ContractRegistry {
  private readonly byType = new Map<string, MessageContract>();

  constructor(contracts: Iterable<MessageContract>) {
    for (const c of contracts) {
      if (this.byType.has(c.type)) throw new Error(`message type ${c.type} declared twice`);
      this.byType.set(c.type, c);
    }
  }

  get(type: string): MessageContract | undefined {
    return this.byType.get(type);
  }

  all(): MessageContract[] {
    return [...this.byType.values()];
  }
}
