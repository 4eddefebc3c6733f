import type { OperatorRoutes } from '#platform/host/service-app.js';
import { deadLetterRoutes } from './dead-letter-routes.js';
import { DeadLetterOperations } from './dead-letters.js';
import { jobOperations } from './job-operations.js';
import { jobOpsRoutes } from './job-routes.js';
import { sagaRoutes } from './saga-routes.js';
import { traceRoute } from './trace-route.js';

/**
 * What operators get on every service, from what the service has: its trace (a database), its
 * dead letters (messaging), its jobs and its sagas. The composition root hands this to the host.
 */
export const operatorRoutes: OperatorRoutes = async (app, { def, db, parts }) => {
  if (db) traceRoute(app, { service: def.name, db });
  if (parts.messaging)
    await app.register(deadLetterRoutes, { store: new DeadLetterOperations(parts.messaging.deadLetters) });
  if (parts.jobs) await app.register(jobOpsRoutes, { ops: jobOperations(parts.jobs.admin) });
  if (db && parts.sagas) await app.register(sagaRoutes, { db });
};
