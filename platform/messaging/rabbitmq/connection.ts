import { connect, type ChannelModel } from 'amqplib';
import { backoffMs, type Backoff } from '../backoff.js';
import { errorText, type MessagingLog } from '../log.js';
import { ChangeSignal } from './change-signal.js';
import { NodeRotation } from './nodes.js';

export interface KeeperOptions {
  /** One node, or the nodes of a cluster: tried in turn (see nodes.ts). */
  urls: readonly string[];
  /** Index of the node to try first; default random, so connections spread over the cluster. */
  firstNode?: number;
  /** Shown in the broker's connection list. */
  name: string;
  heartbeatSeconds: number;
  backoff: Backoff;
  log: MessagingLog;
  /** Runs on every new connection before it counts as ready (declare topology, open channels). */
  setup(conn: ChannelModel): Promise<void>;
  /** Runs synchronously right after the connection counts as ready. */
  afterReady?(conn: ChannelModel): void;
  /** Runs once when a ready connection is lost. */
  onLost(): void;
}

export class NotConnectedError extends Error {
  constructor(what: string, waitedMs: number) {
    super(`${what}: not connected to RabbitMQ after waiting ${waitedMs} ms`);
    this.name = 'NotConnectedError';
  }
}

/**
 * One AMQP connection that comes back by itself: on loss it reconnects with exponential backoff
 * (with jitter, so services do not stampede a restarted broker) and reruns `setup` each time.
 * With several nodes, a lost connection and each failed attempt move on to the next node, so a
 * dead node costs one attempt, not an outage; `setup` redeclares the topology on the new node.
 */
export class ConnectionKeeper {
  private conn: ChannelModel | undefined;
  private ready = false;
  private stopped = false;
  private connecting = false;
  private readonly changed = new ChangeSignal();
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly nodes: NodeRotation;

  constructor(private readonly opts: KeeperOptions) {
    this.nodes = new NodeRotation(opts.urls, opts.firstNode);
  }

  start(): void {
    void this.connectLoop();
  }

  isReady(): boolean {
    return this.ready;
  }

  current(): ChannelModel | undefined {
    return this.ready ? this.conn : undefined;
  }

  /** Resolves with the ready connection, waiting up to `timeoutMs` for one. */
  waitReady(timeoutMs: number, what: string): Promise<ChannelModel> {
    return this.changed.until(
      () => {
        const conn = this.current();
        if (conn) return conn;
        if (this.stopped) throw new Error(`${what}: the RabbitMQ transport is closed`);
        return undefined;
      },
      Date.now() + timeoutMs,
      () => new NotConnectedError(what, timeoutMs),
    );
  }

  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.changed.notify();
    const conn = this.conn;
    this.conn = undefined;
    this.ready = false;
    if (conn) await conn.close().catch(() => undefined);
  }

  private async connectLoop(): Promise<void> {
    if (this.connecting || this.stopped) return;
    this.connecting = true;
    let attempt = 0;
    try {
      while (!this.stopped) {
        let conn: ChannelModel | undefined;
        try {
          conn = await connect(this.nodes.current(), {
            heartbeat: this.opts.heartbeatSeconds,
            clientProperties: { connection_name: this.opts.name },
          });
          this.watch(conn);
          this.conn = conn;
          await this.opts.setup(conn);
          if (this.stopped || this.conn !== conn) throw new Error('connection closed during setup');
          this.ready = true;
          if (attempt > 0) {
            this.opts.log.info(
              { connection: this.opts.name, node: this.nodes.where() },
              'reconnected to RabbitMQ',
            );
          }
          this.opts.afterReady?.(conn);
          this.changed.notify();
          return;
        } catch (err) {
          if (this.conn === conn) this.conn = undefined;
          if (conn) await conn.close().catch(() => undefined);
          if (this.stopped) return;
          const delay = this.backoffDelay(attempt++);
          const failedNode = this.nodes.where();
          this.nodes.advance();
          this.opts.log.warn(
            {
              connection: this.opts.name,
              node: failedNode,
              next: this.nodes.where(),
              err: errorText(err),
              retryInMs: delay,
            },
            'RabbitMQ connection failed',
          );
          await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, delay)));
        }
      }
    } finally {
      this.connecting = false;
    }
  }

  private watch(conn: ChannelModel): void {
    conn.on('error', (err: unknown) =>
      this.opts.log.warn({ connection: this.opts.name, err: errorText(err) }, 'RabbitMQ connection error'),
    );
    conn.on('blocked', (reason: unknown) =>
      this.opts.log.warn(
        { connection: this.opts.name, reason },
        'RabbitMQ blocked publishing (resource alarm)',
      ),
    );
    conn.on('unblocked', () => this.opts.log.info({ connection: this.opts.name }, 'RabbitMQ unblocked'));
    conn.on('close', () => {
      if (this.conn !== conn) return;
      const wasReady = this.ready;
      this.conn = undefined;
      this.ready = false;
      if (wasReady) {
        const lost = this.nodes.where();
        // The node may be going away (a crash, a rolling restart): the next one is the better bet.
        this.nodes.advance();
        this.opts.log.warn(
          { connection: this.opts.name, node: lost, next: this.nodes.where() },
          'lost the RabbitMQ connection; reconnecting',
        );
        this.opts.onLost();
      }
      if (!this.stopped) void this.connectLoop();
    });
  }

  private backoffDelay(attempt: number): number {
    const base = backoffMs(attempt, this.opts.backoff);
    return Math.round(base / 2 + (Math.random() * base) / 2);
  }
}
