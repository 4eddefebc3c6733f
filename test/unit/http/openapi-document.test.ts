import { describe, expect, it } from 'vitest';
import { completeOperations, operationIdOf } from '#platform/http/openapi-document.js';

type Op = Record<string, unknown> & { responses: Record<string, unknown> };

describe('what every OpenAPI operation gets from the platform', () => {
  it('derives an operationId from method and path', () => {
    expect(operationIdOf('get', '/api/invoices/{id}')).toBe('getInvoicesId');
    expect(operationIdOf('post', '/api/ops/dead-letters/{id}/replay')).toBe('postOpsDeadLettersIdReplay');
    expect(operationIdOf('get', '/.well-known/jwks.json')).toBe('getWellKnownJwksJson');
  });

  it('adds the problem responses the platform answers, by what the operation takes', () => {
    const doc = completeOperations({
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      paths: {
        '/api/invoices/{id}': {
          post: {
            summary: 'Pay',
            parameters: [{ in: 'path', name: 'id' }],
            requestBody: {},
            security: [{ bearerAuth: [] }],
            'x-idempotency-key': 'required',
            responses: { '201': {}, '404': { description: 'their own' } },
          },
        },
        '/health': { get: { responses: { '200': {} } } },
      },
    });
    const pay = doc.paths['/api/invoices/{id}'].post as Op;
    expect(pay.operationId).toBe('postInvoicesId');
    expect(Object.keys(pay.responses).sort()).toEqual(['201', '400', '401', '403', '404', '409']);
    expect(pay.responses['404']).toEqual({ description: 'their own' });
    expect(pay.responses['400']).toEqual({ $ref: '#/components/responses/BadRequest' });
    const health = doc.paths['/health'].get as Op;
    expect(health).toMatchObject({ summary: 'GET /health', security: [], operationId: 'getHealth' });
    expect(Object.keys(health.responses)).toEqual(['200', '4XX']);
    const components = doc.components as Record<string, Record<string, unknown>>;
    expect(Object.keys(components.responses!).sort()).toEqual(
      ['BadRequest', 'ClientProblem', 'Conflict', 'Forbidden', 'Unauthorized'].sort(),
    );
    expect(components.securitySchemes).toHaveProperty('bearerAuth');
  });

  it('drops a security scheme no operation uses', () => {
    const doc = completeOperations({
      components: { securitySchemes: { bearerAuth: { type: 'http' } } },
      paths: { '/api/faults': { get: { responses: { '200': {} } } } },
    });
    expect(doc.components.securitySchemes).toEqual({});
  });
});
