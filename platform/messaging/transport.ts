/**
 * What a broker must do for the bus. Two implementations: RabbitMQ (amqplib) and an
 * in-process one for the embedded mode that keeps its queues in PostgreSQL/PGlite so a
 * crash loses nothing. Both give the same semantics: topic fan-out of events to every
 * bound service queue, direct routing of commands, delayed retries, a DLQ per service.
 */
export interface OutgoingMessage {
  exchange: 'dhanman.events' | 'dhanman.commands';
  routingKey: string;
  messageId: string;
  /** The serialized envelope. */
  body: string;
  headers?: Record<string, string | number>;
}

export interface ServiceTopology {
  service: string;
  /**
   * Routing keys on `dhanman.events` bound to `<service>.events`: an event's type, or its type
   * and a kind (`common.ledger-posted.invoice`) for events consumers take by kind.
   */
  eventTypes: string[];
  /** Keys an earlier release bound and this one must not: removed when the topology is declared. */
  staleKeys?: string[];
  /** Whether `<service>.commands` is bound to `dhanman.commands` with key `<service>.commands`. */
  commands: boolean;
}

export interface DeadLetterInfo {
  reason: string;
  /** `invalid-json` | `invalid-envelope` | `unknown-type` | `invalid-payload` | `handler-failed` | `delivery-limit` */
  category: string;
  error?: string;
  stack?: string;
  attempts: number;
  originalQueue: string;
}

export interface Delivery {
  queue: string;
  body: Buffer;
  headers: Record<string, unknown>;
  /** Handling attempts already made by the retry ladder (0 on the first try). */
  attempt: number;
  /** How many times the broker handed out this copy, when the broker counts (quorum queues, in-process). */
  deliveryCount: number | undefined;
  /** True when the broker says this copy was delivered before (a consumer died holding it). */
  redelivered: boolean;
  ack(): Promise<void>;
  /** Re-queues the message after the ladder's delay for `nextAttempt` (1-based), then acks this copy. */
  retry(nextAttempt: number): Promise<void>;
  /** Moves the message to the service's DLQ with the reason, then acks this copy. */
  deadLetter(info: DeadLetterInfo): Promise<void>;
}

export interface ConsumeOptions {
  prefetch: number;
  concurrency: number;
}

/** Per queue: deliveries taken ahead of the handlers, and handlers running at once. */
export const DEFAULT_PREFETCH = 100;
export const DEFAULT_CONCURRENCY = 32;

export interface Subscription {
  /** Stops taking new deliveries and waits for those in flight. */
  cancel(): Promise<void>;
}

export interface Transport {
  readonly kind: 'rabbitmq' | 'inprocess';
  /** Declares (idempotently) the exchanges, the service's queues, retry queues, DLQ and bindings. */
  declare(topology: ServiceTopology): Promise<void>;
  /** Resolves once every message is durably accepted (publisher confirms / committed). */
  publish(messages: OutgoingMessage[]): Promise<void>;
  /** Puts a message straight onto a queue (DLQ replay, dead-lettering). */
  sendToQueue(queue: string, body: Buffer | string, headers: Record<string, string | number>): Promise<void>;
  consume(
    queue: string,
    onDelivery: (d: Delivery) => Promise<void>,
    opts: ConsumeOptions,
  ): Promise<Subscription>;
  /** Messages waiting in a queue (for DLQ depth). */
  depth(queue: string): Promise<number>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/** The retry ladder: delays in milliseconds before attempt 1, 2, 3... */
export const DEFAULT_RETRY_DELAYS_MS = [1_000, 5_000, 15_000];
