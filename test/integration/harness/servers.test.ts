import amqp from 'amqplib';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { uniqueName } from '../../harness/unique-name.js';

describe('the shared test servers', () => {
  it('PostgreSQL accepts connections, runs with the test settings and lets a test create its own database', async () => {
    const client = new pg.Client(inject('databaseUrl'));
    await client.connect();
    try {
      const { rows } = await client.query<{ fsync: string }>('SHOW fsync');
      expect(rows[0]?.fsync).toBe('off');
      const name = `${uniqueName('harness')}_sales`;
      await client.query(`CREATE DATABASE ${name}`);
      const created = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      expect(created.rowCount).toBe(1);
      await client.query(`DROP DATABASE ${name}`);
    } finally {
      await client.end();
    }
  });

  it('RabbitMQ routes a persistent message through a durable quorum queue', async () => {
    const connection = await amqp.connect(inject('amqpUrl'));
    try {
      const channel = await connection.createConfirmChannel();
      const queue = uniqueName('harness_q');
      await channel.assertQueue(queue, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      channel.sendToQueue(queue, Buffer.from('ping'), { persistent: true });
      await channel.waitForConfirms();
      const message = await channel.get(queue, { noAck: true });
      expect(message && message.content.toString()).toBe('ping');
      await channel.deleteQueue(queue);
    } finally {
      await connection.close();
    }
  });
});
