import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { isAlive, onProcessExit, sleep } from './process-cleanup.js';
import { attachRabbit, type RabbitServer } from './rabbitmq.js';
import type { RabbitNodeSpec } from './rabbitmq-node.js';
import { waitFor } from '../support/wait.js';

/**
 * Broker faults for tests running in a Vitest worker: SIGKILL the run's shared RabbitMQ node and
 * boot it again on the same directory and ports (durable queues and persistent messages survive).
 *
 * Put such tests in `*.fault.test.ts` files: Vitest runs them after every other file (see
 * `vitest.config.ts`), but the faults project still runs its files side by side. A fault file calls
 * `claimSharedRabbit()` in `beforeAll`, before it touches the broker, so no other fault file kills
 * the node while it connects or works (a claim taken only at the first kill came too late: CI saw
 * one file's setup lose its channel to the other file's kill). Kill and restart claim too. The
 * claim ends with the file's process, or earlier with `releaseSharedRabbit()`.
 *
 * Caveat measured on RabbitMQ 3.10.8: a quorum queue declared less than about a second before a
 * SIGKILL can come back without a leader (Ra had not yet saved its directory of servers, which it
 * does about once a second). Wait for `quorumQueueSaved(name)` before killing the broker.
 */
function spec(): RabbitNodeSpec {
  const node = inject('rabbitNode');
  if (node === undefined) {
    throw new Error(
      'no shared RabbitMQ node: run this test in the integration or faults project (vitest.config.ts)',
    );
  }
  return node;
}

export function sharedRabbit(): Omit<RabbitServer, 'stop'> {
  return attachRabbit(spec());
}

const claimFile = (node: RabbitNodeSpec): string => join(node.dir, 'fault-claim');

function claimOwner(node: RabbitNodeSpec): number | undefined {
  try {
    return Number(readFileSync(claimFile(node), 'utf8'));
  } catch {
    return undefined;
  }
}

let releaseOnExit: (() => void) | undefined;

/**
 * Makes this test file the only fault file using the shared node; waits while another holds it.
 * If the previous holder left the node down, it is booted again first.
 */
export async function claimSharedRabbit(timeoutMs = 600_000): Promise<void> {
  const node = spec();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const owner = claimOwner(node);
    if (owner === process.pid) return;
    if (owner !== undefined && !isAlive(owner)) rmSync(claimFile(node), { force: true });
    try {
      writeFileSync(claimFile(node), String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (Date.now() > deadline)
        throw new Error(`the shared RabbitMQ node stayed claimed by process ${owner}`);
      await sleep(200);
    }
  }
  releaseOnExit ??= onProcessExit(() => {
    if (claimOwner(node) === process.pid) rmSync(claimFile(node), { force: true });
  });
  const rabbit = sharedRabbit();
  if (rabbit.pid === undefined) await rabbit.restart();
}

/** Gives the shared node back to other fault files (the node should be running again). */
export function releaseSharedRabbit(): void {
  const node = spec();
  if (claimOwner(node) === process.pid) rmSync(claimFile(node), { force: true });
  releaseOnExit?.();
  releaseOnExit = undefined;
}

/**
 * Waits until the shared node's Ra directory on disk (`names.dets`) names the quorum queue: from
 * then on a SIGKILL no longer loses the queue's leader.
 */
export async function quorumQueueSaved(queue: string, timeoutMs = 15_000): Promise<void> {
  const node = spec();
  const file = join(node.dir, 'mnesia', node.nodeName, 'quorum', node.nodeName, 'names.dets');
  const name = Buffer.from(queue);
  await waitFor(
    `quorum queue ${queue} in ${file}`,
    () => existsSync(file) && readFileSync(file).includes(name),
    timeoutMs,
    50,
  );
}

/** SIGKILLs the shared node (instant, like a crash) and waits until its process is gone. */
export async function killSharedRabbit(): Promise<void> {
  await claimSharedRabbit();
  await sharedRabbit().kill();
}

/** Boots the shared node again (killing it first if it runs) and waits until AMQP accepts connections. */
export async function restartSharedRabbit(): Promise<void> {
  await claimSharedRabbit();
  await sharedRabbit().restart();
}
