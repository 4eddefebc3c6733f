import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '@opentelemetry/api';
import type { Principal } from '../auth/claims.js';

/**
 * What the current unit of work (an HTTP request or a consumed message) carries along:
 * it flows into every log line, outgoing HTTP call and published message.
 */
export interface WorkContext {
  correlationId: string;
  /** The message or request that caused the current work (becomes `causationId` of what it publishes). */
  causationId?: string;
  organizationId?: string;
  companyId?: string;
  /** The caller's bearer token, when the work is an authenticated request. */
  subject?: string;
  /** The verified caller of an authenticated request (who, which organization, what they may do). */
  principal?: Principal;
  /** The OpenTelemetry context of the work (its current span), when there is a trace to continue. */
  trace?: Context;
}

const storage = new AsyncLocalStorage<WorkContext>();

export function runWithContext<T>(ctx: WorkContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentContext(): WorkContext | undefined {
  return storage.getStore();
}
