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
}

export type PayloadOf<C> = C extends MessageContract<infer S> ? z.infer<S> : never;

interface ContractSpec<S extends z.ZodType> {
  type: string;
  version: number;
  schema: S;
  upcasters?: Record<number, (payload: unknown) => unknown>;
}

export function defineEvent<S extends z.ZodType>(spec: ContractSpec<S>): MessageContract<S> {
  return { kind: 'event', upcasters: {}, ...spec };
}

export function defineCommand<S extends z.ZodType>(
  spec: ContractSpec<S> & { target: string },
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
