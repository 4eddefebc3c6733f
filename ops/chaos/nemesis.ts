import type { ServiceName } from '#contracts/services.js';
import { restartCopy } from '../cluster/launcher.js';
import { isAlive, signal, waitHttpOk } from '../cluster/processes.js';
import { bootRabbitNode, killRabbitNode } from '../cluster/rabbitmq.js';
import { readState } from '../cluster/state.js';
import { startPostgresAsync, stopPostgresAsync } from './postgres-restart.js';
import type { FaultKind, PlannedFault } from './schedule.js';

export interface LandedFault extends PlannedFault {
  /** When it struck and when it was healed (ms after the load started). */
  landedAt?: number;
  healedAt?: number;
  error?: string;
}

export interface NemesisTarget {
  dataDir: string;
  /** The environment the cluster was started with (a restarted copy gets the same). */
  env: Record<string, string | undefined>;
  /** An operator's (or the organization admin's) token, for the shared switches. */
  operatorToken(): string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Tries `fn` until it works or `ms` passes (a switch's service may itself be down right now). */
async function persist(what: string, fn: () => Promise<void>, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(500);
    }
  }
}

async function put(url: string, token: string, body: unknown, method = 'PUT'): Promise<void> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok)
    throw new Error(`${method} ${url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
}

/**
 * Lands each planned fault at its time and heals it after its duration: SIGKILL of a service
 * copy (restarted by the launcher's own restart), a RabbitMQ node killed and booted again,
 * PostgreSQL stopped and started, the gateway's fault switch, Notification's mail switch.
 */
export class Nemesis {
  readonly timeline: LandedFault[];
  private active = 0;
  private started = 0;

  constructor(
    plan: readonly PlannedFault[],
    private readonly target: NemesisTarget,
    private readonly say: (line: string) => void,
  ) {
    this.timeline = plan.map((f) => ({ ...f }));
  }

  /** Whether any fault is on now (calls started now count as "faults on"). */
  faultsOn(): boolean {
    return this.active > 0;
  }

  /** Runs the whole timeline; resolves when every fault has been healed. */
  async run(startedAt: number): Promise<void> {
    this.started = startedAt;
    await Promise.all(this.timeline.map((f) => this.land(f)));
  }

  private now(): number {
    return Date.now() - this.started;
  }

  private async land(f: LandedFault): Promise<void> {
    await sleep(Math.max(0, f.at - this.now()));
    this.active++;
    f.landedAt = this.now();
    this.say(`fault ${f.kind} ${f.target} for ${(f.durationMs / 1000).toFixed(1)} s`);
    try {
      await this.inject(f.kind, f.target);
      await sleep(f.durationMs);
      await this.heal(f.kind, f.target);
      f.healedAt = this.now();
      this.say(`healed ${f.kind} ${f.target} after ${((f.healedAt - f.landedAt) / 1000).toFixed(1)} s`);
    } catch (err) {
      f.error = (err as Error).message.split('\n')[0];
      this.say(`fault ${f.kind} ${f.target} failed: ${f.error}`);
    } finally {
      this.active--;
    }
  }

  private copyOf(target: string): { service: ServiceName; copy: number } {
    const [service, copy] = target.split('#') as [ServiceName, string];
    return { service, copy: Number(copy) };
  }

  private state() {
    const state = readState(this.target.dataDir);
    if (!state) throw new Error(`no cluster in ${this.target.dataDir}`);
    return state;
  }

  /** Each copy's address: the gateway's faults and the mail switch are kept per process. */
  private copies(service: ServiceName): string[] {
    return this.state()
      .copies.filter((c) => c.service === service)
      .map((c) => `http://127.0.0.1:${c.port}`);
  }

  private async gatewayFaults(body: unknown | undefined): Promise<void> {
    // Each gateway copy keeps its own switch: set every copy's, straight (not through the balancer).
    for (const base of this.copies('gateway')) {
      await persist('gateway faults', () =>
        put(`${base}/api/faults`, this.target.operatorToken(), body, body === undefined ? 'DELETE' : 'PUT'),
      );
    }
  }

  private async mailDelivery(state: 'up' | 'down'): Promise<void> {
    for (const base of this.copies('notification')) {
      await persist('mail delivery', () =>
        put(`${base}/api/ops/mail-delivery`, this.target.operatorToken(), { state }),
      );
    }
  }

  private async inject(kind: FaultKind, target: string): Promise<void> {
    const plan = this.state().plan;
    switch (kind) {
      case 'copy-killed': {
        const { service, copy } = this.copyOf(target);
        const entry = this.state().copies.find((c) => c.service === service && c.copy === copy);
        if (!entry) throw new Error(`no copy ${target}`);
        signal(entry.pid, 'SIGKILL');
        return;
      }
      case 'broker-node-stopped':
        return killRabbitNode(plan.rabbitmq[Number(target.split('#')[1]) - 1]!);
      case 'postgres-restarted':
        return stopPostgresAsync(plan.postgres);
      case 'gateway-errors':
        return this.gatewayFaults({ errorRate: 0.5 });
      case 'gateway-hangs':
        return this.gatewayFaults({ timeoutRate: 0.3 });
      case 'mail-down':
        return this.mailDelivery('down');
    }
  }

  private async heal(kind: FaultKind, target: string): Promise<void> {
    const plan = this.state().plan;
    switch (kind) {
      case 'copy-killed': {
        const { service, copy } = this.copyOf(target);
        // The copy may still be on its way out (restartCopy refuses a live one), or a first restart
        // may be up but slow to get ready on a loaded machine: then wait for it rather than fail.
        await persist(
          `restart ${target}`,
          async () => {
            const entry = this.state().copies.find((c) => c.service === service && c.copy === copy);
            if (entry && isAlive(entry.pid)) {
              const ready = `http://127.0.0.1:${entry.port}/health/ready`;
              return waitHttpOk(ready, target, 60_000, () => isAlive(entry.pid));
            }
            await restartCopy(this.target.dataDir, service, copy, this.target.env);
          },
          300_000,
        );
        return;
      }
      case 'broker-node-stopped':
        return bootRabbitNode(plan.rabbitmq[Number(target.split('#')[1]) - 1]!);
      case 'postgres-restarted':
        return startPostgresAsync(plan.postgres);
      case 'gateway-errors':
      case 'gateway-hangs':
        return this.gatewayFaults(undefined);
      case 'mail-down':
        return this.mailDelivery('up');
    }
  }
}
