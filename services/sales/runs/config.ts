import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';

/** The monthly run's settings, validated at start (a wrong value names the variable). */
export const runConfigSchema = z.object({
  /**
   * How long a run keeps trying a page that Community (or Common) cannot serve, after the
   * client's own retries: through an open circuit's rest and its half-open trial, then fails.
   */
  INVOICE_RUN_PATIENCE_MS: env.int(180_000, 0),
  /** The lease a worker holds on a run (renewed a third of the way through): a dead worker's run resumes after it. */
  INVOICE_RUN_LEASE_MS: env.int(60_000, 300),
  /** Residents read (and invoiced in one transaction) at a time; Community serves at most 1000. */
  INVOICE_RUN_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(500),
  /**
   * Runs a Sales process works on at once (the others wait their turn in the queue). A run keeps
   * the CPU busy; two leave room for the API's answers (bench:monthly's p99 fell from ~300 to
   * ~140 ms going from 4 to 2) and the posting downstream is the slower stage anyway.
   */
  INVOICE_RUN_CONCURRENCY: env.int(2, 1),
});

export type RunConfig = z.infer<typeof runConfigSchema>;

export const loadRunConfig = (source: Record<string, string | undefined>): RunConfig =>
  loadConfig(runConfigSchema, source);
