import type { ServiceName } from '#contracts/services.js';
import type { TestSystem } from './system.js';

// Answers are asserted on field by field in tests rather than typed up front.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** JSON over HTTP to one of the system's services, as a given caller. */
export function apiOf(system: TestSystem) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return async function api<T = any>(
    service: ServiceName,
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const res = await fetch(`${system.url(service)}${path}`, {
      method,
      headers: {
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    });
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      body: text ? (JSON.parse(text) as T) : (undefined as T),
    };
  };
}
