/**
 * A service process for the fault tests, killed with SIGKILL by the parent at a chosen moment.
 * It tells the parent where it is through stdout lines:
 * - `hanging-consumer`: consumes the run's `thing-happened`; the handler writes its effect, prints
 *   `HANDLING <messageId>` and never returns (its transaction stays open).
 * - `stuck-publisher`: commits one event to its outbox (`COMMITTED <messageId>`); the relay's
 *   publish prints `PUBLISHING` and never completes, so the kill lands between commit and publish.
 */
import { on } from '#platform/messaging/bus.js';
import type { Transport } from '#platform/messaging/transport.js';
import { company, contractsFor, org } from '../messaging/conformance-kit.js';
import {
  FAULT_DELIVERY_LIMIT,
  FAULT_RETRY_DELAYS_MS,
  rabbitEnvironment,
  startService,
} from './rabbit-env.js';

const need = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const say = (line: string) => process.stdout.write(`${line}\n`);
const never = () => new Promise<never>(() => undefined);

async function main(): Promise<void> {
  const role = need('FAULT_ROLE');
  const service = need('FAULT_SERVICE');
  const { thingHappened, registry } = contractsFor(need('FAULT_RUN'));
  const env = rabbitEnvironment({
    amqpUrl: need('AMQP_URL'),
    databaseUrl: need('DATABASE_URL'),
    retryDelaysMs: FAULT_RETRY_DELAYS_MS,
    deliveryLimit: FAULT_DELIVERY_LIMIT,
    // The same databases as the parent's services of the same name.
    databasePrefix: need('FAULT_DB_PREFIX'),
  });

  if (role === 'hanging-consumer') {
    const handler = on(thingHappened, 'effect-once', async (m, tx) => {
      await tx.query(`INSERT INTO conformance_effect (message_id, handler) VALUES ($1, 'hanging')`, [
        m.messageId,
      ]);
      say(`HANDLING ${m.messageId}`);
      await never();
    });
    await startService(env, service, registry, [handler]);
    say('READY');
    return;
  }
  if (role === 'stuck-publisher') {
    const real = await env.transport();
    const stuck: Transport = {
      ...real,
      kind: real.kind,
      declare: (t) => real.declare(t),
      publish: () => {
        say('PUBLISHING');
        return never();
      },
    };
    const svc = await startService(env, service, registry, [], { transport: stuck });
    const envelope = await svc.db.transaction((tx) =>
      svc.messaging.bus.publish(
        tx,
        thingHappened,
        { thingId: crypto.randomUUID(), label: 'committed before the crash' },
        { organizationId: org, companyId: company },
      ),
    );
    say(`COMMITTED ${envelope.messageId}`);
    return;
  }
  throw new Error(`unknown FAULT_ROLE ${role}`);
}

main().catch((err: unknown) => {
  process.stderr.write(
    `fault child failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
