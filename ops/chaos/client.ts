import { randomUUID } from 'node:crypto';
import type { CallRecord, Flow, History } from './history.js';

export interface Answer {
  status: number;
  // Bodies are read field by field by the flows.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export interface CallOptions {
  flow: Flow;
  op: string;
  base: string;
  method: string;
  path: string;
  token?: string;
  body?: unknown;
  /** Sent as Idempotency-Key on every attempt: retries are the same request. */
  key?: string;
  /** Sent as X-Correlation-Id on every attempt: the facts it causes carry it. */
  correlationId?: string;
  /** Statuses that mean "ask again with the same key" beyond network errors, 408, 429 and 5xx. */
  retryOn?: readonly number[];
  /** Statuses that are an expected answer, not an error (a decline is the answer a declined card gets). */
  accept?: readonly number[];
  /** Give up (the outcome stays unknown) after this long. */
  deadlineMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * HTTP as a careful client does it: the same key and correlation id on every attempt, retries
 * with a growing backoff after a network error, a timeout, 408, 429 or 5xx, until a deadline.
 * Each call is recorded (status, attempts, latency, whether a fault was on) for the report.
 */
export class ChaosClient {
  constructor(
    private readonly history: History,
    private readonly faultsOn: () => boolean,
    private readonly stopped: () => boolean = () => false,
  ) {}

  async call(o: CallOptions): Promise<Answer | undefined> {
    const started = Date.now();
    const faultsOn = this.faultsOn();
    const deadline = started + (o.deadlineMs ?? 120_000);
    const correlationId = o.correlationId ?? randomUUID();
    let attempts = 0;
    let last: number | string = 'not sent';
    for (;;) {
      attempts++;
      try {
        const res = await fetch(`${o.base}${o.path}`, {
          method: o.method,
          headers: {
            ...(o.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
            ...(o.key ? { 'idempotency-key': o.key } : {}),
            'x-correlation-id': correlationId,
          },
          ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }),
          signal: AbortSignal.timeout(30_000),
        });
        const text = await res.text();
        last = res.status;
        const again =
          res.status >= 500 || res.status === 408 || res.status === 429 || o.retryOn?.includes(res.status);
        if (!again) {
          const body: unknown = text ? safeJson(text) : undefined;
          this.record(
            o,
            started,
            faultsOn,
            attempts,
            res.status,
            res.status < 400 || !!o.accept?.includes(res.status),
          );
          return { status: res.status, body };
        }
      } catch (err) {
        last = (err as Error).name === 'TimeoutError' ? 'timeout' : (err as Error).message;
      }
      if (Date.now() > deadline || this.stopped()) break;
      await sleep(Math.min(3_000, 100 * 2 ** Math.min(attempts, 5)) * (0.5 + Math.random()));
    }
    this.record(o, started, faultsOn, attempts, last, false);
    this.history.unknown.push({ flow: o.flow, op: o.op, ...(o.key ? { key: o.key } : {}) });
    return undefined;
  }

  private record(
    o: CallOptions,
    started: number,
    faultsOn: boolean,
    attempts: number,
    status: number | string,
    ok: boolean,
  ): void {
    const rec: CallRecord = {
      flow: o.flow,
      op: o.op,
      status,
      attempts,
      ms: Date.now() - started,
      at: started,
      faultsOn,
      ok,
    };
    this.history.calls.push(rec);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
