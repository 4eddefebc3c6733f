import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound, unprocessable } from '#platform/http/problem.js';
import type { Bus } from '#platform/messaging/bus.js';
import type { Db } from '#platform/data/db.js';
import { recordActivity } from '#platform/observability/activity.js';
import { runWrite } from '#platform/http/write.js';
import { CustomerCreated, CustomerUpdated } from '#contracts/common.js';
import { moneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { companiesOf } from '../organizations/store.js';
import {
  changeBalance,
  customerFacts,
  getCustomer,
  insertCustomer,
  listCustomers,
  updateCustomerDetails,
  type Customer,
} from './store.js';

const customerSchema = z.object({
  id: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  email: z.string(),
  balance: z.string().describe('What the customer owes, a decimal string with 2 decimals'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const view = (c: Customer) => ({
  id: c.id,
  companyId: c.companyId,
  name: c.name,
  email: c.email,
  balance: c.balance,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});

const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });
const NUMERIC_OVERFLOW = '22003';

/** Customers: create, read, list, rename, and the balance (moved once per reference or Idempotency-Key). */
export function customerRoutes(app: FastifyInstance, deps: { db: Db; bus: Bus }): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const { db, bus } = deps;

  r.post(
    '/api/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'Create a customer',
        body: z.object({
          name: z.string().trim().min(1).max(200),
          email: z.email().max(320),
          companyId: z.uuid().optional(),
        }),
        response: { 201: customerSchema },
      },
      config: { permission: PERMISSIONS.customersWrite, idempotency: 'optional' },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const companies = await companiesOf(db, principal.organizationId);
      const allowed = companies.filter(
        (c) => principal.companies.length === 0 || principal.companies.includes(c.id),
      );
      const companyId = request.body.companyId ?? allowed[0]?.id;
      if (!companyId || !allowed.some((c) => c.id === companyId)) {
        throw unprocessable(`company ${request.body.companyId ?? '(default)'} is not one of yours`, [
          { in: 'body', path: 'companyId', message: 'unknown company' },
        ]);
      }
      const { body } = await runWrite({ db, bus }, request, async ({ tx, publish }) => {
        const c = await insertCustomer(tx, {
          organizationId: principal.organizationId,
          companyId,
          name: request.body.name,
          email: request.body.email,
        });
        await publish(CustomerCreated, customerFacts(c), { companyId });
        return {
          status: 201,
          body: view(c),
          activity: { action: 'customer.created', detail: { customerId: c.id } },
        };
      });
      return reply.code(201).header('location', `/api/customers/${body.id}`).send(body);
    },
  );

  r.get(
    '/api/customers',
    {
      schema: {
        tags: ['customers'],
        summary: 'List customers',
        querystring: pageQuery(),
        response: { 200: pageSchema(customerSchema) },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request) => {
      const principal = principalOf(request);
      const after = decodeCursor(request.query.cursor, cursorSchema);
      const rows = await listCustomers(db, principal.organizationId, {
        limit: request.query.limit + 1,
        after: after ? { position: after.p, id: after.id } : undefined,
      });
      return toPage(rows, request.query.limit, (c) => ({ p: c.position, id: c.id }), view);
    },
  );

  r.get(
    '/api/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'A customer with their balance',
        params: idParams,
        response: { 200: customerSchema },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request) => {
      const c = await getCustomer(db, principalOf(request).organizationId, request.params.id);
      if (!c) throw notFound(`customer ${request.params.id} does not exist`);
      return view(c);
    },
  );

  r.get(
    '/api/customers/:id/balance',
    {
      schema: {
        tags: ['customers'],
        summary: 'What a customer owes',
        params: idParams,
        response: { 200: z.object({ customerId: z.uuid(), balance: z.string() }) },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request) => {
      const c = await getCustomer(db, principalOf(request).organizationId, request.params.id);
      if (!c) throw notFound(`customer ${request.params.id} does not exist`);
      return { customerId: c.id, balance: c.balance };
    },
  );

  r.patch(
    '/api/customers/:id',
    {
      schema: {
        tags: ['customers'],
        summary: 'Change a customer’s name or email',
        params: idParams,
        body: z
          .object({
            name: z.string().trim().min(1).max(200).optional(),
            email: z.email().max(320).optional(),
          })
          .refine((b) => b.name !== undefined || b.email !== undefined, 'give a name or an email'),
        response: { 200: customerSchema },
      },
      config: { permission: PERMISSIONS.customersWrite },
    },
    async (request) => {
      const principal = principalOf(request);
      const c = await db.transaction(async (tx) => {
        const updated = await updateCustomerDetails(
          tx,
          principal.organizationId,
          request.params.id,
          request.body,
        );
        if (!updated) return null;
        await bus.publish(tx, CustomerUpdated, customerFacts(updated), { companyId: updated.companyId });
        await recordActivity(tx, 'customer.updated', { customerId: updated.id });
        return updated;
      });
      if (!c) throw notFound(`customer ${request.params.id} does not exist`);
      return view(c);
    },
  );

  r.post(
    '/api/customers/:id/update-balance',
    {
      schema: {
        tags: ['customers'],
        summary: 'Move a customer’s balance (once per Idempotency-Key, or per reference)',
        description:
          'Positive amountDelta: the customer owes more; negative: less. `reference` (e.g. "payment:<id>") makes ' +
          'the change once per reference across calls and events; without it the Idempotency-Key is the reference.',
        params: idParams,
        body: z.object({ amountDelta: moneySchema, reference: z.string().trim().min(1).max(200).optional() }),
        response: {
          200: z.object({
            customerId: z.uuid(),
            balance: z.string(),
            applied: z.boolean(),
            reference: z.string(),
          }),
        },
      },
      config: { permission: PERMISSIONS.customersWrite, idempotency: 'required' },
    },
    async (request) => {
      const principal = principalOf(request);
      const reference = request.body.reference ?? `idempotency:${request.idempotency?.key ?? ''}`;
      if (request.body.amountDelta === '0.00') {
        throw unprocessable('amountDelta must not be zero', [
          { in: 'body', path: 'amountDelta', message: 'zero' },
        ]);
      }
      try {
        return await db.transaction(async (tx) => {
          const change = await changeBalance(
            tx,
            principal.organizationId,
            request.params.id,
            reference,
            request.body.amountDelta,
          );
          if (change.outcome === 'not-found') throw notFound(`customer ${request.params.id} does not exist`);
          const c = change.customer;
          if (change.outcome === 'applied') {
            await bus.publish(tx, CustomerUpdated, customerFacts(c), { companyId: c.companyId });
            await recordActivity(tx, 'customer.balance-changed', {
              customerId: c.id,
              reference,
              delta: request.body.amountDelta,
            });
          }
          const body = {
            customerId: c.id,
            balance: c.balance,
            applied: change.outcome === 'applied',
            reference,
          };
          await request.idempotency?.complete(tx, 200, body);
          return body;
        });
      } catch (err) {
        if ((err as { code?: string }).code === NUMERIC_OVERFLOW) {
          throw unprocessable('the balance would exceed what can be stored', [
            { in: 'body', path: 'amountDelta', message: 'too large' },
          ]);
        }
        throw err;
      }
    },
  );
}
