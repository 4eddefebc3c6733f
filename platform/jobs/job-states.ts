/** A job as an operator sees it; pg-boss's created and retry are both "scheduled" (waiting to run). */
export const JOB_STATES = ['scheduled', 'active', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export function stateOf(pgboss: string): JobState {
  return pgboss === 'created' || pgboss === 'retry' ? 'scheduled' : (pgboss as JobState);
}
