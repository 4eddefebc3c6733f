import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import { notFound, PROBLEM_TYPES, ProblemError } from '#platform/http/problem.js';
import type { Caller } from './access.js';
import type { ChargeLog } from './charge-log.js';
import { ChargeBook } from './charges.js';
import { faultSettingsSchema, HANG_MS, NO_FAULTS, type FaultSettings } from './faults.js';

const chargeBody = z.object({
  amount: z.string().regex(/^\d{1,12}(\.\d{1,2})?$/, 'expected a positive decimal with at most 2 decimals'),
  currency: z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as INR'),
  paymentMethodId: z.string().min(1).max(100),
  reference: z.string().max(200).optional(),
});

const chargeSchema = z.object({
  transactionId: z.string(),
  status: z.enum(['succeeded', 'declined']),
  amount: z.string(),
  currency: z.string(),
  paymentMethodId: z.string(),
  reference: z.string().nullable(),
  declineReason: z.string().nullable(),
  createdAt: z.string(),
  refund: z.object({ refundId: z.string(), refundedAt: z.string() }).nullable(),
});

/** Faults apply to every call that moves money. */
async function misbehave(faults: FaultSettings, random: () => number): Promise<void> {
  if (faults.latencyMs > 0) await sleep(faults.latencyMs);
  if (random() < faults.timeoutRate) await sleep(HANG_MS);
  if (random() < faults.errorRate) {
    throw new ProblemError({
      type: PROBLEM_TYPES.internal,
      title: 'Gateway error',
      status: 503,
      detail: 'simulated gateway failure',
    });
  }
}

/** After booking: the answer is lost (held past any client's timeout) when the fault says so. */
async function loseAnswer(faults: FaultSettings, random: () => number): Promise<void> {
  if (faults.lostAnswerRate > 0 && random() < faults.lostAnswerRate) await sleep(HANG_MS);
}

/** Checks the caller of a route before anything else (see access.ts). */
export type CallerCheck = (allowed: readonly Caller[]) => (request: FastifyRequest) => Promise<void>;

/**
 * Every route is checked by the gateway itself (access.ts), not by the platform's token check: the
 * merchant's API key is not a token Common signed. `public` tells the platform to leave the route
 * to that check; `security` documents the bearer it takes.
 */
const guarded = (check: CallerCheck, allowed: readonly Caller[]) => ({
  config: { public: true },
  onRequest: check(allowed),
});
const BEARER_REQUIRED = [{ bearerAuth: [] }];
const MERCHANT_OR_OPERATOR: readonly Caller[] = ['merchant', 'operator'];
const OPERATOR_ONLY: readonly Caller[] = ['operator'];

/**
 * The simulated payment gateway: charges with idempotency keys, and faults an operator or a test
 * can switch on (latency, 5xx, hangs, declines, answers lost after booking) to see how callers cope.
 * The merchant (Sales, by its API key) charges, refunds and reads a charge; only an operator lists
 * the book (every organization's charges) and switches faults.
 */
export function gatewayRoutes(
  app: HttpApp,
  deps: { chargeLog: ChargeLog; check: CallerCheck; random?: () => number },
): void {
  const { check } = deps;
  const random = deps.random ?? Math.random;
  const book = new ChargeBook(deps.chargeLog);
  let faults: FaultSettings = { ...NO_FAULTS };

  app.post(
    '/api/charges',
    {
      ...guarded(check, MERCHANT_OR_OPERATOR),
      schema: {
        summary: 'Charge a payment method (idempotent per Idempotency-Key)',
        description:
          'The merchant API key or an operator token. 201 with the charge when it succeeded, 402 with the ' +
          'charge when it was declined; a repeat of the key answers the first charge.',
        security: BEARER_REQUIRED,
        body: chargeBody,
        headers: z.object({ 'idempotency-key': z.string().min(1).max(255) }).loose(),
        response: { 201: chargeSchema, 402: chargeSchema },
      },
    },
    async (request, reply) => {
      await misbehave(faults, random);
      const outcome = book.charge(request.headers['idempotency-key'], request.body, faults, random);
      if (outcome.kind === 'key-reused') {
        throw new ProblemError({
          type: PROBLEM_TYPES.idempotencyKeyReused,
          title: 'Idempotency key reused',
          status: 422,
          detail: 'This Idempotency-Key was used with a different request.',
        });
      }
      await loseAnswer(faults, random);
      return reply.code(outcome.charge.status === 'succeeded' ? 201 : 402).send(outcome.charge);
    },
  );

  app.post(
    '/api/charges/:transactionId/refund',
    {
      ...guarded(check, MERCHANT_OR_OPERATOR),
      schema: {
        summary: 'Refund a succeeded charge in full (once: a repeat answers the same refund)',
        description: 'The merchant API key or an operator token.',
        security: BEARER_REQUIRED,
        params: z.object({ transactionId: z.string().max(100) }),
        response: { 200: chargeSchema },
      },
    },
    async (request) => {
      await misbehave(faults, random);
      const outcome = book.refund(request.params.transactionId);
      if (outcome.kind === 'not-found') throw notFound(`No charge ${request.params.transactionId}.`);
      if (outcome.kind === 'not-refundable') {
        throw new ProblemError({
          type: PROBLEM_TYPES.conflict,
          title: 'Not refundable',
          status: 409,
          detail: 'Only a succeeded charge can be refunded.',
        });
      }
      await loseAnswer(faults, random);
      return outcome.charge;
    },
  );

  app.get(
    '/api/charges',
    {
      ...guarded(check, OPERATOR_ONLY),
      schema: {
        summary: 'The charge book, oldest first (optionally the charges made for one reference)',
        description: 'Operators only: the book holds every organization’s charges.',
        security: BEARER_REQUIRED,
        querystring: z.object({ reference: z.string().max(200).optional() }),
        response: { 200: z.object({ items: z.array(chargeSchema) }) },
      },
    },
    (request) => ({ items: book.list(request.query.reference) }),
  );

  app.get(
    '/api/charges/:transactionId',
    {
      ...guarded(check, MERCHANT_OR_OPERATOR),
      schema: {
        summary: 'One charge',
        description: 'The merchant API key or an operator token.',
        security: BEARER_REQUIRED,
        params: z.object({ transactionId: z.string().max(100) }),
        response: { 200: chargeSchema },
      },
    },
    async (request) => {
      const charge = book.get(request.params.transactionId);
      if (!charge) throw notFound(`No charge ${request.params.transactionId}.`);
      return charge;
    },
  );

  app.get(
    '/api/faults',
    {
      ...guarded(check, OPERATOR_ONLY),
      schema: {
        summary: 'The faults switched on',
        description: 'Operators only.',
        security: BEARER_REQUIRED,
        response: { 200: faultSettingsSchema },
      },
    },
    () => faults,
  );

  app.put(
    '/api/faults',
    {
      ...guarded(check, OPERATOR_ONLY),
      schema: {
        summary: 'Switch faults on (latency, errors, hangs, declines, lost answers)',
        description: 'Operators only: the switch is shared by every organization.',
        security: BEARER_REQUIRED,
        body: faultSettingsSchema,
        response: { 200: faultSettingsSchema },
      },
    },
    (request) => {
      faults = request.body;
      return faults;
    },
  );

  app.delete(
    '/api/faults',
    {
      ...guarded(check, OPERATOR_ONLY),
      schema: {
        summary: 'Switch every fault off',
        description: 'Operators only.',
        security: BEARER_REQUIRED,
        response: { 200: faultSettingsSchema },
      },
    },
    () => {
      faults = { ...NO_FAULTS };
      return faults;
    },
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
