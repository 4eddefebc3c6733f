import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { runWrite } from '#platform/http/write.js';
import type { Bus } from '#platform/messaging/bus.js';
import { decodeCursor, pageQuery, pageSchema, toPage } from '#platform/http/pagination.js';
import { notFound, unprocessable } from '#platform/http/problem.js';
import { isoDateSchema, moneySchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { postAdjustingJournal } from './adjust.js';
import { accountStatement, journalsByReference, recentJournals, trialBalance } from './queries.js';
import { chartOf } from './chart.js';

const lineSchema = z.object({ accountCode: z.string(), debit: z.string(), credit: z.string() });
const journalSchema = z.object({
  id: z.uuid(),
  referenceId: z.uuid(),
  referenceType: z.string(),
  postingKind: z.string(),
  description: z.string(),
  entryDate: z.string(),
  companyId: z.uuid().nullable(),
  createdAt: z.string(),
  lines: z.array(lineSchema),
});

const journalCursor = z.object({
  entryDate: isoDateSchema,
  createdAtMicros: z.string().regex(/^\d{1,17}$/),
  id: z.uuid(),
});

const periodQuery = z.object({
  companyId: z.uuid().optional(),
  from: isoDateSchema.optional().describe('First day included (YYYY-MM-DD)'),
  to: isoDateSchema.optional().describe('Last day included (YYYY-MM-DD)'),
});

function checkPeriod(q: { from?: string | undefined; to?: string | undefined }): void {
  if (q.from && q.to && q.from > q.to) {
    throw unprocessable(`from ${q.from} is after to ${q.to}`, [
      { in: 'query', path: 'from', message: 'after to' },
    ]);
  }
}

const NUMERIC_OVERFLOW = '22003';

const adjustingLineSchema = z.object({
  accountCode: z.string().regex(/^\d{4}$/, 'expected a 4-digit account code'),
  customerId: z
    .uuid()
    .optional()
    .describe('On a receivable (1200) line: the customer whose balance it moves'),
  debit: moneySchema,
  credit: moneySchema,
});

const adjustingJournalSchema = z.object({
  id: z.uuid(),
  referenceId: z.uuid(),
  entryDate: z.string(),
  reason: z.string(),
  lines: z.array(
    z.object({
      accountCode: z.string(),
      customerId: z.uuid().nullable(),
      debit: z.string(),
      credit: z.string(),
    }),
  ),
  balances: z.array(z.object({ customerId: z.uuid(), balance: z.string() })),
});

/**
 * The ledger: journals of a document, the trial balance, the chart and account statements, and
 * the adjusting journal (the one way a person changes what a customer owes).
 */
export function ledgerRoutes(app: HttpApp, deps: { db: Db; bus: Bus }): void {
  const { db } = deps;

  app.post(
    '/api/ledger/journals',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Post an adjusting journal (balanced lines, a reason; once per Idempotency-Key)',
        description:
          'Each line is a debit or a credit (the other "0"), at most 2 decimals; debits must equal credits ' +
          '(422 otherwise). An account not in the chart, or a customer that is not the organization’s, is a ' +
          '422 naming the line. A receivable (1200) line may name a customerId: that customer’s balance moves ' +
          'by the line’s debit less its credit, in the same transaction, and the answer gives the new balance.',
        body: z.object({
          date: isoDateSchema.describe('The entry date (YYYY-MM-DD)'),
          reason: z.string().trim().min(3).max(500),
          lines: z.array(adjustingLineSchema).min(2).max(100),
        }),
        response: { 201: adjustingJournalSchema },
      },
      config: { permission: PERMISSIONS.ledgerAdjust, idempotency: 'required' },
    },
    async (request, reply) => {
      const post = postAdjustingJournal(principalOf(request).organizationId, request.body);
      try {
        const { body } = await runWrite(deps, request, post);
        return reply.code(201).send(body);
      } catch (err) {
        if ((err as { code?: string }).code === NUMERIC_OVERFLOW) {
          throw unprocessable('an amount or a balance would exceed what can be stored', [
            { in: 'body', path: 'lines', message: 'too large' },
          ]);
        }
        throw err;
      }
    },
  );

  app.get(
    '/api/ledger/journals',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Journals with their lines: those of a source document, or the newest by entry date',
        description:
          'With referenceId: every journal of that document, oldest first, in one page. Without: the newest ' +
          'journals by entry date, paged with limit and cursor.',
        querystring: pageQuery().extend({ referenceId: z.uuid().optional() }),
        response: { 200: pageSchema(journalSchema) },
      },
      config: { permission: PERMISSIONS.ledgerRead },
    },
    async (request) => {
      const { organizationId } = principalOf(request);
      const { referenceId, limit, cursor } = request.query;
      if (referenceId) {
        return { items: await journalsByReference(db, organizationId, referenceId), nextCursor: null };
      }
      const before = decodeCursor(cursor, journalCursor);
      const rows = await recentJournals(db, organizationId, { limit: limit + 1, before });
      return toPage(
        rows,
        limit,
        (j) => j.position,
        ({ position: _p, ...journal }) => journal,
      );
    },
  );

  app.get(
    '/api/ledger/trial-balance',
    {
      schema: {
        tags: ['ledger'],
        summary: 'Debit and credit totals per account (per company and date range)',
        querystring: periodQuery,
        response: {
          200: z.object({
            accounts: z.array(
              z.object({
                accountCode: z.string(),
                name: z.string(),
                type: z.string(),
                debit: z.string(),
                credit: z.string(),
              }),
            ),
            totalDebit: z.string(),
            totalCredit: z.string(),
            balanced: z.boolean(),
          }),
        },
      },
      config: { permission: PERMISSIONS.ledgerRead },
    },
    async (request) => {
      checkPeriod(request.query);
      return trialBalance(db, principalOf(request).organizationId, request.query);
    },
  );

  app.get(
    '/api/ledger/accounts',
    {
      schema: {
        tags: ['ledger'],
        summary: 'The chart of accounts',
        response: {
          200: z.object({
            items: z.array(z.object({ code: z.string(), name: z.string(), type: z.string() })),
          }),
        },
      },
      config: { permission: PERMISSIONS.ledgerRead },
    },
    async (request) => {
      return { items: await chartOf(db, principalOf(request).organizationId) };
    },
  );

  app.get(
    '/api/ledger/accounts/:code/statement',
    {
      schema: {
        tags: ['ledger'],
        summary: 'An account’s movements with a running balance (debit minus credit)',
        params: z.object({ code: z.string().regex(/^\d{4}$/, 'expected a 4-digit account code') }),
        querystring: periodQuery,
        response: {
          200: z.object({
            account: z.object({ code: z.string(), name: z.string(), type: z.string() }),
            openingBalance: z.string(),
            closingBalance: z.string(),
            lines: z.array(
              z.object({
                journalId: z.uuid(),
                entryDate: z.string(),
                description: z.string(),
                referenceType: z.string(),
                referenceId: z.uuid(),
                debit: z.string(),
                credit: z.string(),
                balance: z.string(),
              }),
            ),
          }),
        },
      },
      config: { permission: PERMISSIONS.ledgerRead },
    },
    async (request) => {
      checkPeriod(request.query);
      const statement = await accountStatement(
        db,
        principalOf(request).organizationId,
        request.params.code,
        request.query,
      );
      if (!statement) throw notFound(`account ${request.params.code} does not exist`);
      return statement;
    },
  );
}
