import { readFileSync } from 'node:fs';
import type { ClusterState } from '../cluster/state.js';

/** The cluster's footprint at one moment: service copies' memory, connections to PostgreSQL and RabbitMQ. */
export interface ResourceLevel {
  rssMb: number;
  postgresConnections: number;
  amqpConnections: number;
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Established TCP connections whose server end is one of `ports` (from /proc/net/tcp*). */
function established(ports: readonly number[]): number {
  const wanted = new Set(ports.map((p) => p.toString(16).toUpperCase().padStart(4, '0')));
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // Columns: sl local remote st ...; state 01 = ESTABLISHED; count the client side only.
      if (cols[3] === '01' && wanted.has(cols[2]?.split(':')[1] ?? '')) n++;
    }
  }
  return n;
}

export function resourceLevel(state: ClusterState): ResourceLevel {
  return {
    rssMb: Math.round(state.copies.reduce((sum, c) => sum + rssMb(c.pid), 0)),
    postgresConnections: established([state.plan.postgres.port]),
    amqpConnections: established(state.plan.rabbitmq.map((n) => n.amqpPort)),
  };
}

/**
 * Back to its level: memory within half again of the start (plus room for caches warmed by the
 * load) and connections no more than the pools' growth allows; leaks grow past both.
 */
export function backToLevel(before: ResourceLevel, after: ResourceLevel, copies: number): string[] {
  const problems: string[] = [];
  if (after.rssMb > before.rssMb * 1.5 + 100 * copies)
    problems.push(`memory ${after.rssMb} MB after, ${before.rssMb} MB before`);
  if (after.postgresConnections > before.postgresConnections * 2 + 10)
    problems.push(
      `PostgreSQL connections ${after.postgresConnections} after, ${before.postgresConnections} before`,
    );
  if (after.amqpConnections > before.amqpConnections + 2)
    problems.push(`RabbitMQ connections ${after.amqpConnections} after, ${before.amqpConnections} before`);
  return problems;
}
