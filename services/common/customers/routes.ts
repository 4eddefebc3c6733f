import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import { principalOf } from '#platform/http/authentication.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound, unprocessable } from '#platform/http/problem.js';
import type { Bus } from '#platform/messaging/bus.js';
import type { Db } from '#platform/data/db.js';
import { runWrite } from '#platform/http/write.js';
import { moneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { assertBalanceCaller, moveBalance } from './balance.js';
import { companyForCustomer, createCustomer } from './create.js';
import { getCustomer, listCustomers } from './store.js';
import { updateCustomer } from './update.js';
import { customerSchema, customerView as view } from './view.js';

const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ p: z.string().min(1).max(64), id: z.uuid() });
const NUMERIC_OVERFLOW = '22003';

/** Customers: create, read, list, rename, and the balance (moved once per reference or Idempotency-Key). */
export function customerRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  const { db } = deps;

  app.post(
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
      const companyId = await companyForCustomer(db, principal, request.body.companyId);
      const create = createCustomer(principal.organizationId, companyId, request.body);
      const { body } = await runWrite(deps, request, create);
      return reply.code(201).header('location', `/api/customers/${body.id}`).send(body);
    },
  );

  app.get(
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

  app.get(
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

  app.get(
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

  app.patch(
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
      const update = updateCustomer(principalOf(request).organizationId, request.params.id, request.body);
      return (await runWrite(deps, request, update)).body;
    },
  );

  app.post(
    '/api/customers/:id/update-balance',
    {
      schema: {
        tags: ['customers'],
        summary:
          'Move a customer’s balance (service tokens only; once per Idempotency-Key, or per reference)',
        description:
          'Positive amountDelta: the customer owes more; negative: less. `reference` (e.g. "payment:<id>") makes ' +
          'the change once per reference across calls and events; without it the Idempotency-Key is the reference. ' +
          'Only a service token may call it (a user token, even an admin’s, gets 403: a person adjusts a balance ' +
          'with an adjusting journal, POST /api/ledger/journals). References with the system’s prefixes are ' +
          'refused (403) except `payment:` from the Sales service.',
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
      assertBalanceCaller(principal, request.body.reference);
      const { organizationId } = principal;
      const reference = request.body.reference ?? `idempotency:${request.idempotency?.key ?? ''}`;
      const move = moveBalance(organizationId, request.params.id, reference, request.body.amountDelta);
      try {
        return (await runWrite(deps, request, move)).body;
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
