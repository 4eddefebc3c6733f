import { inject } from 'vitest';
import { rabbitmqctl } from '../harness/rabbitmq-node.js';
import { uniqueName } from '../harness/unique-name.js';

/**
 * A virtual host of its own on the run's shared RabbitMQ node: the exchanges and queues of the
 * system are fixed names (`dhanman.events`, `sales.events`, ...), so tests running side by side
 * each get a vhost to keep their messages apart.
 */
export async function isolatedAmqpUrl(): Promise<string> {
  const vhost = uniqueName('vh');
  const node = inject('rabbitNode');
  await rabbitmqctl(node, 'add_vhost', vhost);
  await rabbitmqctl(node, 'set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  return `${inject('amqpUrl')}/${encodeURIComponent(vhost)}`;
}
