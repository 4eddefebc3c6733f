import type { Queryable } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import { isTimeZone } from '#platform/jobs/next-run.js';
import { scheduleReminderSweep } from '../reminders/schedule.js';

export const DEFAULT_TIME_ZONE = 'Asia/Kolkata';
export const DEFAULT_DUE_DAY = 15;
/** The monthly run: the 1st at 06:00, organization time. */
export const MONTHLY_RUN_CRON = '0 6 1 * *';
export const MONTHLY_RUN_JOB = 'monthly-invoice-run';

export interface BillingSettings {
  organizationId: string;
  timeZone: string;
  dueDay: number;
}

export const recurringRunName = (organizationId: string) => `${MONTHLY_RUN_JOB}.${organizationId}`;

/**
 * An organization Sales bills: its settings are kept, and its monthly run and daily reminder
 * sweep scheduled in its zone, in the caller's transaction (a handler's: the event is taken once with its schedule).
 */
export async function registerBillingOrganization(
  tx: Queryable,
  jobs: Jobs,
  org: { organizationId: string; name: string; timeZone?: string | undefined },
): Promise<void> {
  const given = org.timeZone && isTimeZone(org.timeZone) ? org.timeZone : null;
  // Without a zone (the demo seed on every start) the one already kept stays.
  const { rows } = await tx.query<{ time_zone: string }>(
    `INSERT INTO billing_organization (organization_id, name, time_zone) VALUES ($1, $2, COALESCE($3, $4))
     ON CONFLICT (organization_id) DO UPDATE SET name = EXCLUDED.name, updated_at = now(),
       time_zone = COALESCE($3, billing_organization.time_zone)
     RETURNING time_zone`,
    [org.organizationId, org.name, given, DEFAULT_TIME_ZONE],
  );
  const zone = rows[0]!.time_zone;
  await jobs.schedule(
    {
      name: recurringRunName(org.organizationId),
      queue: MONTHLY_RUN_JOB,
      cron: MONTHLY_RUN_CRON,
      timezone: zone,
      data: { organizationId: org.organizationId },
    },
    { tx },
  );
  await scheduleReminderSweep(jobs, org.organizationId, zone, tx);
}

export async function billingSettings(q: Queryable, organizationId: string): Promise<BillingSettings> {
  const { rows } = await q.query<{ time_zone: string; due_day: number }>(
    'SELECT time_zone, due_day FROM billing_organization WHERE organization_id = $1',
    [organizationId],
  );
  return {
    organizationId,
    timeZone: rows[0]?.time_zone ?? DEFAULT_TIME_ZONE,
    dueDay: rows[0]?.due_day ?? DEFAULT_DUE_DAY,
  };
}
