import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';

// What identifies a request for its idempotency key: who sent it to which route, and what it said.

/** Canonical JSON: object keys sorted, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/** The request's parameters, query and body, hashed: the same key with another request is refused. */
export function requestHash(request: FastifyRequest): string {
  return createHash('sha256')
    .update(canonical({ params: request.params, query: request.query, body: request.body }))
    .digest('hex');
}

/** Keys are per caller (organization and subject) and per route. */
export function scopeOf(request: FastifyRequest): string {
  const p = request.principal;
  return `${p?.organizationId ?? '-'}|${p?.subject ?? '-'}|${request.method} ${request.routeOptions.url ?? ''}`;
}
