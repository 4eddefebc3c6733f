import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { ServiceDeps } from '#platform/host/service-definition.js';
import { serviceHandlers, userReplicaMigrations } from '#platform/host/user-replica.js';
import { handlerRenameSql } from '#platform/messaging/handler-names.js';
import { userFeed } from '#contracts/common.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { SERVICE_LOADERS } from '../../../bin/services.js';

/**
 * Handler names are the inbox key and the dead-letter reason: `<service>.<feature>.<fact>`, where
 * the fact is the message type without its source (`common.ledger.invoice-created` handles
 * `sales.invoice-created`).
 */
const HANDLER_NAME =
  /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*\.[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** The fact a message type names: `sales.invoice-created` -> `invoice-created`. */
const factOf = (type: string): string => type.slice(type.indexOf('.') + 1);

/** What is wrong with a handler's name for `service` handling `type` (null: nothing). */
function handlerNameProblem(service: string, name: string, type: string): string | null {
  if (!HANDLER_NAME.test(name)) return `${name}: expected <service>.<feature>.<fact> in kebab case`;
  const [owner, , fact] = name.split('.');
  if (owner !== service) return `${name}: expected it to start with ${service}.`;
  if (fact !== factOf(type)) return `${name}: expected it to end with .${factOf(type)} (it handles ${type})`;
  return null;
}

/** Enough of the host for a service to list its handlers (nothing is called on these). */
const depsOf = (service: string): ServiceDeps =>
  ({
    service,
    env: {},
    log: pino({ level: 'silent' }),
    onStop: () => undefined,
  }) as unknown as ServiceDeps;

describe('handler names: <service>.<feature>.<fact>', () => {
  it('every handler the host registers for every service follows the pattern, once', async () => {
    const problems: string[] = [];
    let count = 0;
    for (const service of SERVICE_NAMES) {
      const def = await SERVICE_LOADERS[service]();
      const names = serviceHandlers(def, depsOf(service)).map((h) => {
        count += 1;
        const problem = handlerNameProblem(def.name, h.name, h.contract.type);
        if (problem) problems.push(problem);
        return h.name;
      });
      expect(new Set(names).size, `${service}: names are unique`).toBe(names.length);
    }
    expect(problems).toEqual([]);
    expect(count).toBeGreaterThan(20);
  });

  it('names the user replica handler like the others, for each service that keeps users', async () => {
    const names = [];
    for (const service of SERVICE_NAMES) {
      const def = await SERVICE_LOADERS[service]();
      if (def.users) names.push(serviceHandlers(def, depsOf(service))[0]!.name);
    }
    expect(names.sort()).toEqual([
      'community.users.user-created',
      'notification.users.user-created',
      'payroll.users.user-created',
      'purchase.users.user-created',
      'sales.users.user-created',
    ]);
  });

  it('rejects names of the old patterns, naming what is expected', () => {
    expect(handlerNameProblem('community', 'replicate-user', 'common.user-created')).toContain(
      '<service>.<feature>.<fact>',
    );
    expect(handlerNameProblem('sales', 'sales.invoice-posted', 'common.ledger-posted')).not.toBeNull();
    expect(handlerNameProblem('sales', 'sales.replica.user', 'common.user-created')).toContain(
      'end with .user-created',
    );
    expect(handlerNameProblem('sales', 'common.invoices.ledger-posted', 'common.ledger-posted')).toContain(
      'start with sales.',
    );
    expect(handlerNameProblem('sales', 'sales.invoices.ledger-posted', 'common.ledger-posted')).toBeNull();
  });

  it('quotes names in the rename SQL and renames the old replica names to the host one', () => {
    expect(handlerRenameSql({ "it's": 'a.b.c' })).toContain("('it''s', 'a.b.c')");
    const sql = userReplicaMigrations('sales', userFeed).migrations[0]!.sql;
    expect(sql).toContain("('replicate-user', 'sales.users.user-created')");
    expect(sql).toContain("('sales.replica.user', 'sales.users.user-created')");
  });
});
