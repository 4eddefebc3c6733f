import { Agent, fetch as undiciFetch } from 'undici';

export interface Reply {
  status: number;
  headers: Headers;
  // Answers are asserted on field by field.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  ms: number;
}

/**
 * HTTP from a chosen loopback address (127.0.0.x: every one of them reaches the services on
 * Linux), so a test can be several clients without trusting any forwarded-for header.
 */
export function clientAt(localAddress: string) {
  const agent = new Agent({ localAddress });
  async function call(
    url: string,
    opts: { method?: string; body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const started = performance.now();
    const res = await undiciFetch(url, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      dispatcher: agent,
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
      headers: res.headers as unknown as Headers,
      body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text,
      ms: performance.now() - started,
    };
  }
  return { call, close: () => agent.close() };
}
