import amqp from 'amqplib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  claimSharedRabbit,
  killSharedRabbit,
  quorumQueueSaved,
  releaseSharedRabbit,
  restartSharedRabbit,
  sharedRabbit,
} from '../../harness/rabbit-control.js';
import { uniqueName } from '../../harness/unique-name.js';

beforeAll(() => claimSharedRabbit(), 600_000);
afterAll(() => releaseSharedRabbit());

describe('killing and restarting the shared RabbitMQ node', () => {
  it('keeps durable queues and persistent messages across SIGKILL and restart', async () => {
    const url = inject('amqpUrl');
    const classic = uniqueName('fault_classic');
    const quorum = uniqueName('fault_quorum');
    const before = await amqp.connect(url);
    const channel = await before.createConfirmChannel();
    await channel.assertQueue(classic, { durable: true });
    await channel.assertQueue(quorum, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
    channel.sendToQueue(classic, Buffer.from('kept-classic'), { persistent: true });
    channel.sendToQueue(quorum, Buffer.from('kept-quorum'), { persistent: true });
    await channel.waitForConfirms();
    const closed = new Promise<void>((resolve) => before.on('close', () => resolve()));
    before.on('error', () => undefined);
    // See rabbit-control.ts: a quorum queue killed before Ra saved it on disk loses its leader.
    await quorumQueueSaved(quorum);
    const oldPid = sharedRabbit().pid;
    expect(oldPid).toBeTypeOf('number');

    await killSharedRabbit();
    await closed;
    expect(sharedRabbit().pid).toBeUndefined();
    await expect(amqp.connect(url)).rejects.toThrow();

    await restartSharedRabbit();
    expect(sharedRabbit().pid).not.toBe(oldPid);
    const after = await amqp.connect(url);
    try {
      const reader = await after.createChannel();
      expect(((await reader.get(classic, { noAck: true })) || undefined)?.content.toString()).toBe(
        'kept-classic',
      );
      expect(((await reader.get(quorum, { noAck: true })) || undefined)?.content.toString()).toBe(
        'kept-quorum',
      );
      await reader.deleteQueue(classic);
      await reader.deleteQueue(quorum);
    } finally {
      await after.close();
    }
  });
});
