import type { Logger } from 'pino';
import type { Db } from '../data/db.js';
import type { JobDefinition } from '../jobs/jobs.js';
import { purgeIdempotencyKeys } from '../http/idempotency-keys.js';

export const IDEMPOTENCY_PURGE_JOB = 'idempotency-key-purge';

/**
 * The host's own recurring work in every service with a database. Idempotency keys answer retries
 * for a day; older ones only take space. Hourly (at :17, away from the top of the hour's runs), on
 * the service's job queue: one run per hour however many copies run, visible and triggerable on
 * `/api/ops/jobs`. Deleting what is past its day is the same done twice, so no retry ladder: the
 * next hour's run is the retry.
 */
export function housekeepingJobs(db: Db, log: Logger): JobDefinition[] {
  return [
    {
      name: IDEMPOTENCY_PURGE_JOB,
      cron: '17 * * * *',
      retryDelaysSeconds: [],
      async handle() {
        const purged = await purgeIdempotencyKeys(db);
        if (purged > 0) log.info({ purged }, 'old idempotency keys purged');
      },
    },
  ];
}
