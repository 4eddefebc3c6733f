import { z } from 'zod';
import type { HttpApp } from '#platform/http/app.js';
import type { Db } from '#platform/data/db.js';
import { principalOf } from '#platform/http/authentication.js';
import { accepts, sendCsv, sendFile, toCsv } from '#platform/http/downloads.js';
import { badRequest, notFound } from '#platform/http/problem.js';
import { zonedDate } from '#platform/jobs/next-run.js';
import { isoDateSchema } from '#contracts/money.js';
import { PERMISSIONS } from '#contracts/permissions.js';
import { maySee } from '../access.js';
import type { CustomerDirectory } from '../invoices/create.js';
import { billingSettings } from '../runs/organizations.js';
import { collectionsByMonth, organizationName } from './queries.js';
import { AGING_FIELDS, receivablesAging } from './receivables.js';
import { PERIOD, monthsBack, rangeProblem } from './period-range.js';
import { customerStatement } from './statement.js';
import { renderStatementPdf } from './statement-pdf.js';

const money = z.string().describe('Exact decimal, two places');
const agingFigures = {
  balanceDue: money,
  current: money.describe('Not yet due, or due on asOf'),
  days1to30: money,
  days31to60: money,
  days61to90: money,
  over90: money,
};
const receivablesSchema = z.object({
  asOf: z.string(),
  totals: z.object(agingFigures),
  customers: z.array(z.object({ customerId: z.uuid(), name: z.string(), ...agingFigures })),
});
const collectionsSchema = z.object({
  months: z.array(
    z.object({
      period: z.string(),
      billed: money.describe('Invoiced in the month (by issue date; void and draft excluded)'),
      collected: money.describe('Payments that succeeded in the month (organization time)'),
      outstanding: money.describe('Still receivable at the end of the month'),
    }),
  ),
});
const statementSchema = z.object({
  customer: z.object({ id: z.uuid(), name: z.string(), email: z.string() }),
  from: z.string().nullable(),
  to: z.string(),
  opening: money,
  lines: z.array(
    z.object({
      date: z.string(),
      kind: z.enum(['invoice', 'payment']),
      number: z.string().describe('The invoice number (a payment names the invoice it paid)'),
      debit: money,
      credit: money,
      balance: money,
      invoiceId: z.uuid(),
      paymentId: z.uuid().nullable(),
    }),
  ),
  closing: money,
});

const CSV_NOTE = " `Accept: text/csv` answers the same as CSV (dates in the organization's time zone).";

/** Receivables aging, collections by month and a customer's statement (JSON, CSV, PDF). */
export function reportRoutes(app: HttpApp, deps: { db: Db; customers: CustomerDirectory }): void {
  const { db } = deps;
  const zoneOf = async (organizationId: string) => (await billingSettings(db, organizationId)).timeZone;

  app.get(
    '/api/reports/receivables',
    {
      schema: {
        tags: ['reports'],
        summary: 'Receivables aging by due date, per customer, most overdue first',
        description:
          'What each customer owed at the end of `asOf` (default: today, organization time), by days past ' +
          'due: current (not yet due or due that day), 1-30, 31-60, 61-90, over 90. An invoice paid after ' +
          '`asOf` still counts; void invoices never do.' +
          CSV_NOTE,
        querystring: z.object({ asOf: isoDateSchema.optional() }),
        response: { 200: receivablesSchema },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request, reply) => {
      const { organizationId } = principalOf(request);
      const zone = await zoneOf(organizationId);
      const asOf = request.query.asOf ?? zonedDate(new Date(), zone);
      const report = await receivablesAging(db, organizationId, asOf, zone);
      if (!accepts(request, 'text/csv')) return report;
      const rows = report.customers.map((c) => [c.name, c.customerId, ...AGING_FIELDS.map((f) => c[f])]);
      rows.push(['Total', '', ...AGING_FIELDS.map((f) => report.totals[f])]);
      return sendCsv(
        reply,
        `receivables-${asOf}.csv`,
        toCsv(['customer', 'customerId', ...AGING_FIELDS], rows),
      );
    },
  );

  app.get(
    '/api/reports/collections',
    {
      schema: {
        tags: ['reports'],
        summary: 'Billed, collected and outstanding by month',
        description:
          'From `from` to `to` (months as YYYY-MM, at most 24). A bad month or range: 400.' + CSV_NOTE,
        querystring: z.object({ from: z.string().max(16).optional(), to: z.string().max(16).optional() }),
        response: { 200: collectionsSchema },
      },
      config: { permission: PERMISSIONS.customersRead },
    },
    async (request, reply) => {
      const { organizationId } = principalOf(request);
      const zone = await zoneOf(organizationId);
      const to = request.query.to ?? zonedDate(new Date(), zone).slice(0, 7);
      const from = request.query.from ?? (PERIOD.test(to) ? monthsBack(to, 12) : to);
      const problem = rangeProblem(from, to);
      if (problem) throw badRequest(problem);
      const months = await collectionsByMonth(db, organizationId, from, to, zone);
      if (!accepts(request, 'text/csv')) return { months };
      const rows = months.map((m) => [m.period, m.billed, m.collected, m.outstanding]);
      return sendCsv(
        reply,
        `collections-${from}-${to}.csv`,
        toCsv(['period', 'billed', 'collected', 'outstanding'], rows),
      );
    },
  );

  app.get(
    '/api/customers/:id/statement',
    {
      schema: {
        tags: ['reports'],
        summary:
          "A customer's statement of account: opening, invoices and payments, running balance, closing",
        description:
          '`from` and `to` are dates (default: from the first invoice to today, organization time). ' +
          'A resident gets only their own; another customer, of this organization or another, answers 404. ' +
          '`Accept: application/pdf` answers a printable statement.' +
          CSV_NOTE,
        params: z.object({ id: z.uuid() }),
        querystring: z.object({ from: isoDateSchema.optional(), to: isoDateSchema.optional() }),
        response: { 200: statementSchema },
      },
      config: { permission: PERMISSIONS.invoicesRead },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const customerId = request.params.id;
      if (!maySee(principal, customerId)) throw notFound(`customer ${customerId} does not exist`);
      const zone = await zoneOf(principal.organizationId);
      const to = request.query.to ?? zonedDate(new Date(), zone);
      const from = request.query.from ?? null;
      if (from && from > to) throw badRequest(`from ${from} is after to ${to}`);
      const statement = await customerStatement(db, deps.customers, {
        organizationId: principal.organizationId,
        customerId,
        from,
        to,
        timeZone: zone,
      });
      if (!statement) throw notFound(`customer ${customerId} does not exist`);
      if (accepts(request, 'application/pdf')) {
        const name = (await organizationName(db, principal.organizationId)) ?? 'Statement of account';
        const pdf = await renderStatementPdf(statement, name);
        return sendFile(reply, {
          type: 'application/pdf',
          filename: `statement-${to}.pdf`,
          body: pdf,
          inline: true,
        });
      }
      if (!accepts(request, 'text/csv')) return statement;
      const rows = [
        [from ?? '', 'opening', '', '', '', statement.opening],
        ...statement.lines.map((l) => [l.date, l.kind, l.number, l.debit, l.credit, l.balance]),
        [to, 'closing', '', '', '', statement.closing],
      ];
      return sendCsv(
        reply,
        `statement-${to}.csv`,
        toCsv(['date', 'kind', 'number', 'debit', 'credit', 'balance'], rows),
      );
    },
  );
}
