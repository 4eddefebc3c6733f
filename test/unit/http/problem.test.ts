import { describe, expect, it } from 'vitest';
import { problemFor } from '#platform/http/error-handler.js';
import {
  DependencyUnavailableError,
  PROBLEM_TYPES,
  conflict,
  dependencyUnavailable,
  forbidden,
  notFound,
  unauthorized,
  unprocessable,
  validationFailed,
} from '#platform/http/problem.js';

describe('problems', () => {
  it('gives each helper its status and stable type', () => {
    const cases = [
      [validationFailed([{ in: 'body', path: 'a', message: 'm' }]), 400, PROBLEM_TYPES.validation],
      [unauthorized(), 401, PROBLEM_TYPES.unauthorized],
      [forbidden('no'), 403, PROBLEM_TYPES.forbidden],
      [notFound(), 404, PROBLEM_TYPES.notFound],
      [conflict('twice'), 409, PROBLEM_TYPES.conflict],
      [unprocessable('closed'), 422, PROBLEM_TYPES.unprocessable],
      [dependencyUnavailable('common'), 503, PROBLEM_TYPES.dependencyUnavailable],
    ] as const;
    for (const [err, status, type] of cases) {
      const { problem, internal } = problemFor(err);
      expect({ status: problem.status, type: problem.type, internal }).toEqual({
        status,
        type,
        internal: false,
      });
    }
    expect(problemFor(unauthorized()).headers['www-authenticate']).toBe('Bearer');
  });

  it('names the dependency and the reason a call could not be made', () => {
    const err = new DependencyUnavailableError('gateway', 'circuit-open', 'the circuit is open', {
      retryAfterMs: 59_200,
    });
    expect(problemFor(err)).toMatchObject({
      problem: { status: 503, dependency: 'gateway', reason: 'circuit-open' },
      headers: { 'retry-after': '60' },
    });
  });

  it('maps Fastify 4xx errors by code and hides everything else behind a 500', () => {
    const fastify = (code: string, statusCode: number) =>
      Object.assign(new Error(code), { code, statusCode });
    expect(problemFor(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413)).problem.type).toBe(
      PROBLEM_TYPES.payloadTooLarge,
    );
    expect(problemFor(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415)).problem.type).toBe(
      PROBLEM_TYPES.unsupportedMediaType,
    );
    expect(problemFor(fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400)).problem.type).toBe(
      PROBLEM_TYPES.malformedBody,
    );
    expect(problemFor(fastify('FST_ERR_SOMETHING_NEW', 400)).problem).toMatchObject({
      status: 400,
      type: PROBLEM_TYPES.badRequest,
    });
    const hidden = problemFor(new Error('password=hunter2'));
    expect(hidden.internal).toBe(true);
    expect(hidden.problem.status).toBe(500);
    expect(JSON.stringify(hidden.problem)).not.toContain('hunter2');
    expect(problemFor(fastify('FST_ERR_RESPONSE_SERIALIZATION', 500)).problem.status).toBe(500);
  });

  it('lists validation issues with their place and dotted path', () => {
    const err = Object.assign(new Error('bad'), {
      validation: [
        { instancePath: '/lines/0/amount', message: 'Too small' },
        { instancePath: '', message: 'required', params: { missingProperty: 'email' } },
      ],
      validationContext: 'querystring',
    });
    expect(problemFor(err).problem.errors).toEqual([
      { in: 'query', path: 'lines.0.amount', message: 'Too small' },
      { in: 'query', path: 'email', message: 'required' },
    ]);
  });
});
