import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePortsOutsideEphemeral } from '../../harness/ports.js';

describe('ports for servers that start later', () => {
  it('are distinct, free, and below the range outgoing connections take their local ports from', async () => {
    const ephemeralLow = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    const ports = await freePortsOutsideEphemeral(25);
    expect(new Set(ports).size).toBe(25);
    for (const port of ports) expect(port).toBeLessThan(ephemeralLow);
    // Each can be listened on now.
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
