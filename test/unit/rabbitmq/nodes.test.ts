import { describe, expect, it } from 'vitest';
import { NodeRotation, nodeUrls } from '#platform/messaging/rabbitmq/nodes.js';

describe('a RabbitMQ node list', () => {
  it('reads one URL or several, comma-separated, trimming spaces', () => {
    expect(nodeUrls('amqp://a:5672')).toEqual(['amqp://a:5672']);
    expect(nodeUrls('amqp://u:p@a:5672, amqp://u:p@b:5672 ,amqps://c')).toEqual([
      'amqp://u:p@a:5672',
      'amqp://u:p@b:5672',
      'amqps://c',
    ]);
  });

  it('names a bad entry by its position, without its password', () => {
    expect(() => nodeUrls('amqp://a,http://u:secret@b')).toThrow(
      /entry 2 of 2 \("http:\/\/u:\*\*\*@b"\) is not an amqp:\/\/ or amqps:\/\/ URL/,
    );
  });

  it('moves round the nodes from the one it starts at, and says where it is without credentials', () => {
    const r = new NodeRotation(['amqp://u:p@a:1', 'amqp://u:p@b:2', 'amqp://u:p@c:3'], 1);
    expect(r.where()).toBe('b:2');
    expect([r.advance(), r.advance(), r.advance()]).toEqual([
      'amqp://u:p@c:3',
      'amqp://u:p@a:1',
      'amqp://u:p@b:2',
    ]);
  });

  it('starts each connection at a node of its own by default, spreading them over the cluster', () => {
    const urls = ['amqp://a', 'amqp://b', 'amqp://c'];
    const starts = new Set(Array.from({ length: 200 }, () => new NodeRotation(urls).current()));
    expect(starts).toEqual(new Set(urls));
  });
});
