import type { ServiceName } from '#contracts/services.js';
import type { ChaosClient } from '../client.js';
import type { History } from '../history.js';

/** The demo users a client signs in as; each flow acts as the role a person doing it would hold. */
export type Actor = 'admin' | 'accountant' | 'manager' | 'cfo';

export interface LoadContext {
  url(service: ServiceName): string;
  token(actor: Actor): string;
  client: ChaosClient;
  history: History;
  /** A tag of this run, in keys, emails and names: runs against one cluster do not collide. */
  tag: string;
  stopped(): boolean;
}

/** Waits `ms` or until the load stops, whichever is first. */
export async function pause(ctx: LoadContext, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!ctx.stopped() && Date.now() < until) {
    await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
  }
}

/** Runs `step` over and over, `everyMs` apart (from start to start), until the load stops. */
export async function steady(
  ctx: LoadContext,
  everyMs: number,
  step: (i: number) => Promise<void>,
): Promise<void> {
  for (let i = 0; !ctx.stopped(); i++) {
    const started = Date.now();
    await step(i);
    await pause(ctx, Math.max(0, everyMs - (Date.now() - started)));
  }
}

export const money = (n: number): string => n.toFixed(2);
export const dueDate = (): string => new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
