import { randomBytes } from 'node:crypto';
import { DEMO_COMPANY, DEMO_ORGANIZATION } from '#contracts/demo.js';
import { rabbitctl } from '../cluster/rabbitmq.js';
import { check, type Invariants } from './checker.js';
import { ChaosClient } from './client.js';
import { openCluster, type ChaosCluster } from './cluster-access.js';
import { readFinalState, type FinalState } from './final-state.js';
import { type Actor, type LoadContext } from './flows/context.js';
import { invoiceFlow, paymentFlow, voidFlow } from './flows/invoices.js';
import { payrollFlow } from './flows/payroll.js';
import { purchaseFlow } from './flows/purchase.js';
import { runFlow } from './flows/runs.js';
import { signInFlow } from './flows/sign-ins.js';
import { emptyHistory, type History } from './history.js';
import { heldQueues, logDigest } from './failure-digest.js';
import { Nemesis } from './nemesis.js';
import { sendPoison } from './poison.js';
import { backToLevel, resourceLevel, type ResourceLevel } from './resources.js';
import { replayMailOutage } from './runbook.js';
import { planFaults } from './schedule.js';
import { setup } from './setup.js';

export interface ChaosOptions {
  minutes: number;
  seed: number;
  keep: boolean;
  dataDir: string;
  copies: number;
  /** Load and checks only (the generator and checker on their own, or a broken build's run). */
  noFaults?: boolean;
  /** How long the system may take to settle after the faults stop. */
  settleMs: number;
  env: Record<string, string | undefined>;
  say: (line: string) => void;
}

export interface ChaosOutcome {
  history: History;
  final: FinalState;
  invariants: Invariants;
  nemesis: Nemesis;
  /**
   * When an invariant failed: the copies' warnings, the log lines naming its violations and the
   * queues still holding messages.
   */
  failureDigest: string[];
}

const ACTORS: Actor[] = ['admin', 'accountant', 'manager', 'cfo'];

async function login(cluster: ChaosCluster, email: string): Promise<string | undefined> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const res = await fetch(`${cluster.url('common')}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: cluster.demoPassword }),
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    if (res?.status === 200) return ((await res.json()) as { accessToken: string }).accessToken;
    if (res?.status === 401) return undefined;
    await new Promise((r) => setTimeout(r, 1_000));
  }
  throw new Error(`could not sign in as ${email}`);
}

/**
 * Signs every actor in now and again every 5 minutes (access tokens last 15); a sign-in that fails
 * (Common down) is tried again 10 s later, not 5 minutes later: the 30-minute run saw 401s when a
 * failed sign-in left tokens to run out.
 */
async function keepTokens(cluster: ChaosCluster, tokens: Map<string, string>, stopped: () => boolean) {
  const refresh = async () => {
    for (const actor of ACTORS)
      tokens.set(actor, (await login(cluster, `${actor}@demo.dhanman.local`)) ?? tokens.get(actor) ?? '');
    // The platform's operator where the deployment has one; else the organization's admin, who holds
    // the same switches in a build without the operator role.
    tokens.set('operator', (await login(cluster, 'operator@demo.dhanman.local')) ?? tokens.get('admin')!);
  };
  await refresh();
  void (async () => {
    let wait = 300;
    while (!stopped()) {
      for (let i = 0; i < wait && !stopped(); i++) await new Promise((r) => setTimeout(r, 1_000));
      if (stopped()) break;
      wait = await refresh().then(
        () => 300,
        () => 10,
      );
    }
  })();
}

/** Polls the final state until nothing is left in flight, or the deadline passes; returns the last read. */
async function settle(
  h: History,
  read: () => Promise<FinalState>,
  copies: number,
  ms: number,
  say: (l: string) => void,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const final = await read();
    const inv = check(h, final, copies);
    const waiting = [
      'nothingUnfinished',
      'oneMailPerFact',
      'journalPerDocument',
      'onlyPoisonDeadLettered',
    ].filter((k) => !inv[k]!.ok);
    if (waiting.length === 0 || Date.now() > deadline) return final;
    const first = inv[waiting[0]!]!.violations[0];
    say(`settling: waiting for ${waiting.join(', ')} (first: ${first?.document}: ${first?.problem})`);
    await new Promise((r) => setTimeout(r, 5_000));
  }
}

/** What the broker still holds once the run settled (a message stuck in a retry queue shows here). */
async function queuesHoldingMessages(cluster: ChaosCluster): Promise<string[]> {
  for (const node of cluster.state().plan.rabbitmq) {
    const listed = await rabbitctl(
      node,
      'list_queues',
      'name',
      'messages_ready',
      'messages_unacknowledged',
      '--formatter',
      'json',
    ).catch(() => undefined);
    if (listed === undefined) continue;
    const held = heldQueues(listed);
    return [`queues holding messages: ${held.length === 0 ? 'none' : ''}`, ...held.map((l) => `  ${l}`)];
  }
  return ['queues holding messages: no broker node answered'];
}

/** Longer than the pools keep an idle connection (pg's 10 s): what is still open after it is held. */
const POOLS_IDLE_MS = 15_000;

/**
 * The cluster's level once it is back, or after the pools' idle time: the final reads just used
 * every service's pool, and connections they opened close only when idle. A leak stays past it.
 */
async function settledLevel(cluster: ChaosCluster, before: ResourceLevel) {
  const deadline = Date.now() + POOLS_IDLE_MS;
  for (;;) {
    const after = resourceLevel(cluster.state());
    if (backToLevel(before, after, cluster.copies).length === 0 || Date.now() > deadline) return after;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export async function runChaos(o: ChaosOptions): Promise<ChaosOutcome> {
  const cluster = await openCluster({ dataDir: o.dataDir, copies: o.copies, env: o.env, say: o.say });
  try {
    const tag = `c${o.seed}-${randomBytes(3).toString('hex')}`;
    const history = emptyHistory();
    let stopped = false;
    let tokensStopped = false;
    const tokens = new Map<string, string>();
    await keepTokens(cluster, tokens, () => tokensStopped);
    const durationMs = Math.round(o.minutes * 60_000);
    const plan = o.noFaults
      ? []
      : planFaults({
          seed: o.seed,
          durationMs,
          services: cluster.services,
          copies: cluster.copies,
          brokerNodes: cluster.brokerNodes,
        });
    const nemesis = new Nemesis(
      plan,
      {
        dataDir: cluster.dataDir,
        env: cluster.env,
        operatorToken: () => tokens.get('operator')!,
      },
      (l) => o.say(l),
    );
    const client = new ChaosClient(
      history,
      () => nemesis.faultsOn(),
      () => stopped,
    );
    const ctx: LoadContext = {
      url: cluster.url,
      token: (a) => tokens.get(a)!,
      client,
      history,
      tag,
      stopped: () => stopped,
    };
    const { vendorId } = await setup(ctx);
    const before = cluster.ours ? resourceLevel(cluster.state()) : undefined;
    const since = new Date().toISOString();
    const tenant = { organizationId: DEMO_ORGANIZATION.id, companyId: DEMO_COMPANY.id };
    history.poison.push(...(await sendPoison(cluster.amqpUrls(), 2, tag, tenant)));
    o.say(`load for ${o.minutes} min with ${plan.length} faults planned (seed ${o.seed}, tag ${tag})`);
    const startedAt = Date.now();
    const faults = nemesis.run(startedAt);
    const flows = Promise.all([
      invoiceFlow(ctx, 1_000),
      paymentFlow(ctx, 1_500),
      voidFlow(ctx, 8_000),
      runFlow(ctx, 20_000),
      purchaseFlow(ctx, 5_000, vendorId),
      payrollFlow(ctx, 20_000, 2100 + Math.floor(Math.random() * 7_000)),
      signInFlow(ctx, 3_000, cluster.demoPassword),
      (async () => {
        await new Promise((r) => setTimeout(r, durationMs / 2));
        history.poison.push(...(await sendPoison(cluster.amqpUrls(), 1, `${tag}-mid`, tenant)));
      })(),
    ]);
    await new Promise((r) => setTimeout(r, durationMs));
    stopped = true;
    o.say('load stopped; waiting for the flows in flight and for every fault to heal');
    await flows;
    await faults;
    const reader = {
      url: cluster.url,
      token: tokens.get('admin')!,
      operatorToken: tokens.get('operator')!,
      gatewayCopies: cluster.gatewayCopies(),
      since,
    };
    const read = async () => {
      // The operator's step after a mail outage, repeated: messages still on their retry ladder
      // when delivery came back reach the dead letters later.
      const outages = nemesis.timeline
        .filter((f) => f.kind === 'mail-down' && f.landedAt !== undefined)
        .map((f) => ({
          from: startedAt + f.landedAt!,
          to: startedAt + (f.healedAt ?? f.landedAt! + f.durationMs),
        }));
      const replayed = await replayMailOutage(
        cluster.url('notification'),
        reader.operatorToken,
        since,
        outages,
      );
      history.replayedAfterMailOutage.push(...replayed);
      return readFinalState(history, reader);
    };
    let final = await settle(history, read, cluster.copies, o.settleMs, o.say);
    tokensStopped = true;
    if (before) final = { ...final, resources: { before, after: await settledLevel(cluster, before) } };
    const invariants = check(history, final, cluster.copies);
    const failed = Object.values(invariants).filter((r) => !r.ok);
    const digest = failed.length
      ? [
          ...logDigest(
            cluster.state().plan.logs,
            failed.flatMap((r) => r.violations.flatMap((v) => (v.correlationId ? [v.correlationId] : []))),
          ),
          ...(await queuesHoldingMessages(cluster)),
        ]
      : [];
    return { history, final, invariants, nemesis, failureDigest: digest };
  } finally {
    await cluster.release(o.keep);
  }
}
