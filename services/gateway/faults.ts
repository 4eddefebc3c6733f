import { z } from 'zod';

/** Switchable misbehaviour, so tests and demos can exercise the callers' resilience. */
export const faultSettingsSchema = z.object({
  latencyMs: z.number().int().min(0).max(120_000).default(0),
  errorRate: z.number().min(0).max(1).default(0),
  timeoutRate: z.number().min(0).max(1).default(0),
  declineRate: z.number().min(0).max(1).default(0),
  /**
   * The charge (or refund) is booked, then its answer never leaves (held like a hang): the provider
   * took the money and the caller cannot know. What a retry on the same key must survive.
   */
  lostAnswerRate: z.number().min(0).max(1).default(0),
});

export type FaultSettings = z.infer<typeof faultSettingsSchema>;

export const NO_FAULTS: FaultSettings = {
  latencyMs: 0,
  errorRate: 0,
  timeoutRate: 0,
  declineRate: 0,
  lostAnswerRate: 0,
};

/** How long a "timeout" fault holds the request: longer than any sane client timeout. */
export const HANG_MS = 60_000;
