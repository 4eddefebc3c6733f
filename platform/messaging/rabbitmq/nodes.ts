/**
 * The RabbitMQ nodes a connection may use: `AMQP_URL` names one node or, comma-separated, the nodes
 * of a cluster. Any node serves every queue (quorum queues are replicated; a client on a follower is
 * proxied to the leader), so a connection that loses its node simply moves on to the next one.
 */
export function nodeUrls(value: string | readonly string[]): string[] {
  const urls = (typeof value === 'string' ? value.split(',') : [...value]).map((u) => u.trim());
  const bad = urls.findIndex((u) => !/^amqps?:\/\/./.test(u));
  if (urls.length === 0 || bad >= 0) {
    throw new Error(
      `RabbitMQ node list: entry ${bad + 1} of ${urls.length} (${JSON.stringify(redactUrl(urls[bad] ?? ''))}) ` +
        'is not an amqp:// or amqps:// URL',
    );
  }
  return urls;
}

/**
 * Round robin over the nodes. Each connection starts at a node of its own (by default a random
 * one) so the copies of a service spread over the cluster instead of all crowding the first node.
 */
export class NodeRotation {
  private index: number;

  constructor(
    readonly urls: readonly string[],
    start = Math.floor(Math.random() * urls.length),
  ) {
    if (urls.length === 0) throw new Error('NodeRotation needs at least one node');
    this.index = ((start % urls.length) + urls.length) % urls.length;
  }

  current(): string {
    return this.urls[this.index] as string;
  }

  /** Moves to the next node (after a failed attempt or a lost connection). */
  advance(): string {
    this.index = (this.index + 1) % this.urls.length;
    return this.current();
  }

  /** host:port of the current node, for logs (never the credentials). */
  where(): string {
    return hostOf(this.current());
  }
}

export const redactUrl = (url: string): string => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return redactUrl(url);
  }
}
