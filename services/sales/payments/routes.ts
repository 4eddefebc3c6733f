import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { ProblemError, conflict, notFound } from '#platform/http/problem.js';
import type { Bus } from '#platform/messaging/bus.js';
import type { Sagas } from '#platform/sagas/engine.js';
import { stepsOf } from '#platform/sagas/queries.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { customerScope } from '../access.js';
import type { PaymentConfig } from './config.js';
import { payInvoice } from './pay.js';
import { getPayment, listPayments, type Payment } from './store.js';

const STATUSES = ['pending', 'succeeded', 'failed', 'refunded', 'needs-attention'] as const;
const idParams = z.object({ id: z.uuid() });
const stepSchema = z.object({
  name: z.string(),
  phase: z.enum(['forward', 'compensate']),
  status: z.enum(['running', 'done', 'failed', 'retrying']),
  attempts: z.number(),
  at: z.string(),
  error: z.string().nullable(),
  note: z.string().nullable(),
});
const paymentSchema = z.object({
  id: z.uuid(),
  invoiceId: z.uuid(),
  customerId: z.uuid(),
  amount: z.string(),
  paymentMethodId: z.string(),
  status: z.enum(STATUSES),
  transactionId: z.string().nullable(),
  failureReason: z.string().nullable(),
  paidAt: z.string().nullable(),
  createdAt: z.string(),
  correlationId: z.string().nullable().describe('The thread of its timeline (GET /api/ops/trace/{id})'),
});
const view = (p: Payment) => ({
  id: p.id,
  invoiceId: p.invoiceId,
  customerId: p.customerId,
  amount: p.amount,
  paymentMethodId: p.paymentMethodId,
  status: p.status,
  transactionId: p.transactionId,
  failureReason: p.failureReason,
  paidAt: p.paidAt,
  createdAt: p.createdAt,
  correlationId: p.correlationId,
});

const PAYMENT_PROBLEMS = {
  declined: 'urn:dhanman:problem:payment-declined',
  refunded: 'urn:dhanman:problem:payment-refunded',
};

export interface PaymentRouteDeps {
  db: Db;
  bus: Bus;
  sagas: Sagas;
  config: PaymentConfig;
}

/** Paying an invoice (the payment saga), and a payment with its steps. */
export function paymentRoutes(app: FastifyInstance, deps: PaymentRouteDeps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db } = deps;

  r.post(
    '/api/invoices/:id/payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'Pay an invoice through the payment gateway',
        description:
          '201 when the gateway settled within a few seconds; 202 `pending` with `Location` otherwise (the ' +
          'saga goes on by itself); 402 on a decline (nothing recorded, invoice unpaid); 409 when the ' +
          'invoice is paid, void, or a payment of it is in progress (nothing charged).',
        params: idParams,
        body: z.object({
          paymentMethodId: z
            .string()
            .regex(/^pm_[A-Za-z0-9_]{1,96}$/, 'expected a payment method id such as pm_card_visa'),
        }),
        response: {
          201: z.object({ paymentId: z.uuid(), status: z.literal('succeeded'), transactionId: z.string() }),
          202: z.object({ paymentId: z.uuid(), status: z.literal('pending') }),
        },
      },
      config: { permission: PERMISSIONS.paymentsWrite, idempotency: 'required' },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const outcome = await payInvoice(db, deps.sagas, {
        organizationId: principal.organizationId,
        invoiceId: request.params.id,
        paymentMethodId: request.body.paymentMethodId,
        customerId: customerScope(principal),
        requestedBy: principal.subject,
        idempotencyKey: request.idempotency?.key ?? null,
        correlationId: request.workContext.correlationId,
        currency: deps.config.PAYMENT_CURRENCY,
        settleWaitMs: deps.config.PAYMENT_SETTLE_WAIT_MS,
      });
      switch (outcome.kind) {
        case 'not-found':
          throw notFound(`invoice ${request.params.id} does not exist`);
        case 'conflict':
          throw conflict(outcome.reason, outcome.paymentId ? { paymentId: outcome.paymentId } : undefined);
        case 'declined':
          throw new ProblemError({
            type: PAYMENT_PROBLEMS.declined,
            title: 'Payment declined',
            status: 402,
            detail: `The payment method was declined (${outcome.reason}); the invoice stays unpaid.`,
            paymentId: outcome.paymentId,
            reason: outcome.reason,
          });
        case 'refunded':
          throw new ProblemError({
            type: PAYMENT_PROBLEMS.refunded,
            title: 'Payment refunded',
            status: 409,
            detail: `The invoice can no longer be paid (${outcome.reason}); the money was refunded.`,
            paymentId: outcome.paymentId,
          });
        case 'pending':
          return reply
            .code(202)
            .header('location', `/api/payments/${outcome.paymentId}`)
            .send({ paymentId: outcome.paymentId, status: 'pending' as const });
        case 'succeeded':
          return reply
            .code(201)
            .header('location', `/api/payments/${outcome.paymentId}`)
            .send({
              paymentId: outcome.paymentId,
              status: 'succeeded' as const,
              transactionId: outcome.transactionId,
            });
      }
    },
  );

  r.get(
    '/api/payments/:id',
    {
      schema: {
        tags: ['payments'],
        summary: 'A payment, its status and the steps of its saga',
        params: idParams,
        response: { 200: paymentSchema.extend({ steps: z.array(stepSchema) }) },
      },
      config: { permission: PERMISSIONS.invoicesRead },
    },
    async (request) => {
      const principal = principalOf(request);
      const p = await getPayment(db, principal.organizationId, request.params.id);
      const scope = customerScope(principal);
      if (!p || (scope !== undefined && p.customerId !== scope)) {
        throw notFound(`payment ${request.params.id} does not exist`);
      }
      const steps = (await stepsOf(db, p.id)).map((s) => ({
        name: s.name,
        phase: s.phase,
        status: s.status,
        attempts: s.attempts,
        at: new Date(s.finishedAt ?? s.lastAttemptAt).toISOString(),
        error: s.lastError,
        note: s.note,
      }));
      return { ...view(p), steps };
    },
  );

  r.get(
    '/api/payments',
    {
      schema: {
        tags: ['payments'],
        summary: 'Payments, newest first (of one invoice with `invoiceId`)',
        querystring: z.object({
          invoiceId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(paymentSchema) }) },
      },
      config: { permission: PERMISSIONS.invoicesRead },
    },
    async (request) => {
      const principal = principalOf(request);
      const scope = customerScope(principal);
      if (scope === null) return { items: [] };
      const items = await listPayments(db, principal.organizationId, {
        invoiceId: request.query.invoiceId,
        customerId: scope,
        limit: request.query.limit,
      });
      return { items: items.map(view) };
    },
  );
}
