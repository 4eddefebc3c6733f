import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { listRoutes, type RouteEntry } from '#platform/http/route-policy.js';

/**
 * Throws random requests at every route of an app and fails on the first answer that is a server
 * error (or, for 4xx, not problem+json). The requests look like a careless or hostile client's:
 * junk path parameters, odd query strings, wrong or missing content types, malformed, deep or
 * huge bodies, prototype-pollution keys, bad idempotency keys and correlation ids, bad tokens.
 */
export interface FuzzOptions {
  /** Bearer token sent with most requests (one with every permission reaches validation and handlers). */
  token?: string;
  /** Random requests per route (default 40). */
  runs?: number;
  seed?: number;
  /** Which routes to fuzz (default: all but the docs page). */
  include?: (route: RouteEntry) => boolean;
  /** An acceptable status (default: below 500). */
  acceptable?: (status: number, route: RouteEntry) => boolean;
  /** Called after every request, e.g. to check nothing was written. */
  afterEach?: (route: RouteEntry, status: number) => void | Promise<void>;
}

export interface FuzzReport {
  routes: number;
  requests: number;
  statuses: Record<number, number>;
}

const junkSegment = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.constantFrom(
    '0',
    '-1',
    '1e309',
    'null',
    'undefined',
    '..',
    '%00',
    '%ZZ',
    '%',
    'a%2Fb',
    '00000000-0000-0000-0000-000000000000',
  ),
);

const junkValue = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    '',
    '-1',
    '0',
    '1',
    '99999999999999999999',
    'NaN',
    'true',
    '[]',
    '{}',
    'null',
    '2026-13-45',
    '%ZZ',
  ),
);

const query = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('limit', 'cursor', 'to', 'referenceId', 'id', 'status', 'page', '__proto__'),
        fc.string({ maxLength: 10 }),
      ),
      junkValue,
    ),
    { maxLength: 5 },
  )
  .map((pairs) =>
    pairs
      .map(([k, v]) => `${encodeURIComponent(k)}=${v.startsWith('%') ? v : encodeURIComponent(v)}`)
      .join('&'),
  );

const contentType = fc.option(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=utf-16',
    'application/problem+json',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=xyz',
    'application/octet-stream',
    'garbage',
    '',
  ),
  { nil: undefined },
);

const body = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.object({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constantFrom(
    '',
    '{',
    'null',
    '[]',
    '"string"',
    '{"__proto__":{"admin":true}}',
    '{"constructor":{"prototype":{"admin":true}}}',
    '{"amount":1e309}',
    '{"amount":"NaN"}',
    '{"a":' + '['.repeat(5000) + ']'.repeat(5000) + '}',
    '{"name":"' + 'x'.repeat(200_000) + '"}',
  ),
);

function headersFor(token: string | undefined) {
  return fc.record(
    {
      'content-type': contentType,
      authorization: fc.oneof(
        fc.constant(token === undefined ? undefined : `Bearer ${token}`),
        fc.constant(token === undefined ? undefined : `Bearer ${token}`),
        fc.constantFrom(
          undefined,
          'Bearer',
          'Bearer x.y.z',
          'Basic Zm9vOmJhcg==',
          'bearer ' + 'a'.repeat(9000),
        ),
      ),
      'idempotency-key': fc.option(fc.oneof(fc.uuid(), fc.string({ maxLength: 300 })), { nil: undefined }),
      'x-correlation-id': fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*', 'garbage/'), {
        nil: undefined,
      }),
    },
    { requiredKeys: [] },
  );
}

/** fast-check keeps the failing check's own message in `cause`: put it first, where a reader looks. */
async function assertProperty<T>(property: fc.IAsyncProperty<T>, params: fc.Parameters<T>): Promise<void> {
  try {
    await fc.assert(property, params);
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error)
      throw new Error(`${cause.message}\n${(err as Error).message}`, { cause: err });
    throw err;
  }
}

const printable = (s: string) => s.replace(/[^\x20-\x7e]/g, '');

export async function fuzzRoutes(app: FastifyInstance, opts: FuzzOptions = {}): Promise<FuzzReport> {
  await app.ready();
  const include = opts.include ?? ((r: RouteEntry) => !r.url.startsWith('/docs'));
  const acceptable = opts.acceptable ?? ((status: number) => status < 500);
  const routes = listRoutes(app).filter((r) => r.method !== 'HEAD' && include(r));
  const report: FuzzReport = { routes: routes.length, requests: 0, statuses: {} };

  for (const route of routes) {
    const params = (route.url.match(/:\w+|\*/g) ?? []).length;
    const request = fc.record({
      segments: fc.array(junkSegment, { minLength: params, maxLength: params }),
      query,
      headers: headersFor(opts.token),
      body: fc.option(body, { nil: undefined, freq: 4 }),
    });
    await assertProperty(
      fc.asyncProperty(request, async (r) => {
        let i = 0;
        const path = route.url.replace(/:\w+|\*/g, () => r.segments[i++] ?? 'x');
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined) headers[k] = printable(v);
        const inject: InjectOptions = {
          method: route.method as InjectOptions['method'],
          url: r.query ? `${path}?${r.query}` : path,
          headers,
          ...(r.body === undefined ? {} : { payload: r.body }),
        };
        const res = await app.inject(inject);
        report.requests++;
        report.statuses[res.statusCode] = (report.statuses[res.statusCode] ?? 0) + 1;
        const where = `${route.method} ${route.url} -> ${res.statusCode} for ${JSON.stringify({ ...inject, payload: String(r.body ?? '').slice(0, 300) })}: ${res.body.slice(0, 500)}`;
        if (!acceptable(res.statusCode, route)) throw new Error(`unacceptable status: ${where}`);
        if (
          res.statusCode >= 400 &&
          !String(res.headers['content-type']).startsWith('application/problem+json')
        ) {
          throw new Error(`error answer is not problem+json: ${where}`);
        }
        await opts.afterEach?.(route, res.statusCode);
      }),
      { numRuns: opts.runs ?? 40, ...(opts.seed === undefined ? {} : { seed: opts.seed }) },
    );
  }
  return report;
}
