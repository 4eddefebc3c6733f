import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

/** A loopback server on `port` (0: any free one), or undefined when it is taken. */
function listenOn(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

async function listenOnAnyPort(): Promise<Server> {
  const server = await listenOn(0);
  if (!server) throw new Error('could not listen on any loopback port');
  return server;
}

/**
 * Distinct loopback TCP ports that were free a moment ago. The probes are held open together so
 * the OS cannot hand out the same port twice; the race with other programs after closing is accepted.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, listenOnAnyPort));
  const ports = servers.map((server) => {
    const address = server.address();
    if (!address || typeof address !== 'object') throw new Error('could not read the port of a probe socket');
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

/** The first port the kernel hands out as the local end of outgoing connections (Linux's range). */
function firstEphemeralPort(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) ? low : 32_768;
  } catch {
    return 32_768; // Linux's default, where the file cannot be read
  }
}

/**
 * Like `freePorts`, but below the kernel's ephemeral range: for servers that start a while after
 * their ports are chosen (a cluster takes a minute to come up). A port from `freePorts` is in that
 * range, where any outgoing connection of the machine may take it as its local port meanwhile, and
 * the server then cannot bind it. Ports here are only ever taken by a program that asks for them.
 */
export async function freePortsOutsideEphemeral(count: number): Promise<number[]> {
  // From 10,000: below it sit the usual ports of the servers themselves (5432, 5672, 8080...).
  const low = 10_000;
  const high = firstEphemeralPort() - 1;
  if (high - low < count * 4) throw new Error(`too few ports below the ephemeral range (${low}-${high})`);
  const held: Server[] = [];
  const ports: number[] = [];
  for (let tries = 0; ports.length < count; tries++) {
    if (tries > count * 50)
      throw new Error(`found only ${ports.length} of ${count} free ports in ${low}-${high}`);
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (ports.includes(port)) continue;
    const server = await listenOn(port);
    if (!server) continue;
    held.push(server);
    ports.push(port);
  }
  await Promise.all(held.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
