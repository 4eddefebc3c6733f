/**
 * What every operation of every service's OpenAPI document gets without its route saying so: an
 * operationId and a summary when the route gives none, an explicit `security: []` on public routes,
 * and the problem responses the platform itself answers (validation, authentication, permission,
 * missing resource, idempotency). Routes stay about their own success responses.
 */

type Json = Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

const PROBLEM_SCHEMA = {
  type: 'object',
  description: 'RFC 9457 problem details; branch on `type`, not on the wording of `title` or `detail`.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', examples: ['urn:dhanman:problem:validation'] },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    instance: { type: 'string' },
    correlationId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'The fields the caller got wrong (validation problems).',
      items: {
        type: 'object',
        required: ['in', 'path', 'message'],
        properties: { in: { type: 'string' }, path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

/** The problem responses, by status, and when an operation can get each. */
const PROBLEMS: Array<{
  status: string;
  name: string;
  description: string;
  applies(op: Json, path: string): boolean;
}> = [
  {
    status: '400',
    name: 'BadRequest',
    description: 'The request does not fit the operation (fields named in `errors`); nothing changed',
    applies: (op) => Boolean(op.requestBody) || (Array.isArray(op.parameters) && op.parameters.length > 0),
  },
  {
    status: '401',
    name: 'Unauthorized',
    description: 'No valid bearer token',
    applies: (op) => isProtected(op),
  },
  {
    status: '403',
    name: 'Forbidden',
    description: 'The token does not grant the permission named in `x-permission`',
    applies: (op) => isProtected(op),
  },
  {
    status: '404',
    name: 'NotFound',
    description: 'No such resource (or not in the caller’s organization)',
    applies: (_op, path) => path.includes('{'),
  },
  {
    status: '409',
    name: 'Conflict',
    description:
      'The Idempotency-Key is in use by a request still being processed, or was used with another body',
    applies: (op) => op['x-idempotency-key'] !== undefined,
  },
  {
    // For operations none of the above applies to (public, without input): still problem+json.
    status: '4XX',
    name: 'ClientProblem',
    description: 'The request could not be served as sent',
    applies: () => false,
  },
];

const isProtected = (op: Json) => Array.isArray(op.security) && op.security.length > 0;

/** `GET /api/invoices/{id}/lines` → `getInvoicesIdLines`. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\//, '/')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

/** Completes a generated OpenAPI document in place (see the module comment) and returns it. */
export function completeOperations<D extends Json>(doc: D): D {
  const paths = (doc.paths ?? {}) as Record<string, Json>;
  const used = new Set<string>();
  const schemesUsed = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const op = item[method] as Json | undefined;
      if (!op) continue;
      op.operationId ??= operationIdOf(method, path);
      op.summary ??= `${method.toUpperCase()} ${path}`;
      op.security ??= [];
      for (const requirement of op.security as Json[])
        Object.keys(requirement).forEach((k) => schemesUsed.add(k));
      const responses = (op.responses ??= {}) as Json;
      for (const p of PROBLEMS) {
        if (responses[p.status] !== undefined || !p.applies(op, path)) continue;
        responses[p.status] = { $ref: `#/components/responses/${p.name}` };
        used.add(p.name);
      }
      if (!Object.keys(responses).some((code) => code.startsWith('4'))) {
        responses['4XX'] = { $ref: '#/components/responses/ClientProblem' };
        used.add('ClientProblem');
      }
    }
  }
  const schemes = ((doc as Json).components as Json | undefined)?.securitySchemes as Json | undefined;
  // A service without protected routes (the payment gateway simulator) declares no scheme.
  for (const name of Object.keys(schemes ?? {})) if (!schemesUsed.has(name)) delete schemes![name];
  if (used.size > 0) {
    const components = ((doc as Json).components ??= {}) as Json;
    const schemas = (components.schemas ??= {}) as Json;
    schemas.Problem ??= PROBLEM_SCHEMA;
    const responses = (components.responses ??= {}) as Json;
    for (const p of PROBLEMS.filter((x) => used.has(x.name))) {
      responses[p.name] ??= {
        description: p.description,
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
      };
    }
  }
  return doc;
}
