import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { Db, Tx } from '#platform/data/db.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import type { Bus } from '#platform/messaging/bus.js';
import { DependencyUnavailableError } from '#platform/http/problem.js';
import type { Logger } from 'pino';
import { InvoiceCreated } from '#contracts/sales.js';
import { insertNumberedInvoices, type NewInvoice } from '../invoices/numbered-insert.js';
import { periodOf } from '../invoices/numbering.js';
import { scheduleReminders } from '../reminders/schedule.js';
import type { ActiveResident, RunCustomer, RunDirectory } from './directory.js';
import { billingSettings, type BillingSettings } from './organizations.js';
import { periodDates } from './period.js';
import {
  advanceRun,
  claimResidents,
  claimRun,
  finishRun,
  invoicedResidents,
  recordFailures,
  type RunRow,
} from './store.js';

export interface RunDeps {
  db: Db;
  bus: Bus;
  jobs: Jobs;
  directory: RunDirectory;
  log: Logger;
  /** Residents read (and invoiced in one transaction) at a time. */
  pageSize?: number;
}

/** The lease a worker holds on a run, renewed with every page: a run whose worker died is resumed after it. */
export const RUN_LEASE_SECONDS = 60;
/** This process, as the holder of run leases. */
const OWNER = randomUUID();

interface Failure {
  residentId: string;
  reason: string;
}

/**
 * Runs (or resumes) an invoice run: Community's active residents page by page (the next page is
 * read while this one is written); for each page the residents not yet invoiced for the period
 * are checked with Common in one call and invoiced in one transaction with their `InvoiceCreated`,
 * reminders, failures and the run's counts and cursor. A resident's failure is recorded and the
 * run goes on; Community or Common unavailable past the client's retries fails the run with the reason.
 */
export async function executeRun(deps: RunDeps, runId: string): Promise<void> {
  const { db, directory, log } = deps;
  const pageSize = deps.pageSize ?? 500;
  const run = await claimRun(db, runId, OWNER, RUN_LEASE_SECONDS);
  if (!run) return; // finished, or another worker holds it
  const settings = await billingSettings(db, run.organization_id);
  const fetchPage = (cursor: string | null) => {
    const p = directory.residents(run.organization_id, cursor, pageSize);
    p.catch(() => undefined); // awaited below; a rejection before then is not "unhandled"
    return p;
  };
  try {
    let next = fetchPage(run.cursor);
    for (;;) {
      const page = await next;
      if (page.nextCursor) next = fetchPage(page.nextCursor);
      const held = await invoicePage(deps, run, settings, page.items, page.nextCursor);
      if (!held) return; // lost the lease to another worker: it carries on
      if (!page.nextCursor) break;
    }
    await finishRun(db, runId, 'completed', null);
    log.info({ runId, period: run.period, organizationId: run.organization_id }, 'invoice run completed');
  } catch (err) {
    const reason =
      err instanceof DependencyUnavailableError
        ? `${err.message} (the run stopped; start it again to complete the period)`
        : `run stopped: ${err instanceof Error ? err.message : String(err)}`;
    log.warn({ err, runId }, 'invoice run failed');
    await finishRun(db, runId, 'failed', reason);
  }
}

async function invoicePage(
  deps: RunDeps,
  run: RunRow,
  settings: BillingSettings,
  residents: ActiveResident[],
  cursor: string | null,
): Promise<boolean> {
  const { db, bus, jobs, directory } = deps;
  const org = run.organization_id;
  const done = await invoicedResidents(
    db,
    org,
    run.period,
    residents.map((r) => r.id),
  );
  const failures: Failure[] = [];
  const candidates = residents.filter((r) => {
    if (done.has(r.id)) return false;
    if (!new Decimal(r.monthlyCharges).greaterThan(0)) {
      failures.push({
        residentId: r.id,
        reason: `monthly charges are ${r.monthlyCharges}: nothing to invoice`,
      });
      return false;
    }
    return true;
  });
  const customers = await directory.customers(org, [...new Set(candidates.map((r) => r.customerId))]);
  const billable: Array<{ resident: ActiveResident; customer: RunCustomer }> = [];
  for (const resident of candidates) {
    const customer = customers.get(resident.customerId);
    if (customer) billable.push({ resident, customer });
    else
      failures.push({
        residentId: resident.id,
        reason: `customer ${resident.customerId} is not known to Common`,
      });
  }

  const { issueDate, dueDate } = periodDates(run.period, settings.dueDay);
  return db
    .transaction(async (tx) => {
      const planned = billable.map((b) => ({ ...b, invoiceId: randomUUID() }));
      const claimed = await claimResidents(
        tx,
        run.id,
        org,
        run.period,
        planned.map((p) => ({ residentId: p.resident.id, invoiceId: p.invoiceId })),
      );
      const invoices: NewInvoice[] = planned
        .filter((p) => claimed.has(p.resident.id))
        .map((p) => newInvoice(run, p.invoiceId, p.customer, p.resident.monthlyCharges, issueDate, dueDate));
      if (invoices.length > 0) {
        // Before the numbers: the month's counter row stays locked from then to the commit.
        await scheduleReminders(
          tx,
          jobs,
          org,
          settings.timeZone,
          invoices.map((i) => ({ id: i.id, dueDate })),
        );
        const numbers = await insertNumberedInvoices(tx, org, periodOf(issueDate), invoices);
        await publishCreated(tx, bus, invoices, numbers, run.id);
      }
      await recordFailures(tx, run.id, failures);
      return advanceRun(tx, run.id, OWNER, RUN_LEASE_SECONDS, {
        residents: residents.length,
        created: invoices.length,
        skipped: residents.length - invoices.length - failures.length,
        failed: failures.length,
        cursor,
      }).then((held) => {
        if (!held) throw new LeaseLost();
        return true;
      });
    })
    .catch((err: unknown) => {
      if (err instanceof LeaseLost) return false;
      throw err;
    });
}

class LeaseLost extends Error {}

function newInvoice(
  run: RunRow,
  id: string,
  customer: RunCustomer,
  amount: string,
  issueDate: string,
  dueDate: string,
): NewInvoice {
  const money = new Decimal(amount).toFixed(2);
  const description = `Monthly charges ${run.period}`;
  return {
    id,
    organizationId: run.organization_id,
    companyId: customer.companyId,
    customer: { id: customer.id, name: customer.name, email: customer.email },
    draft: {
      customerId: customer.id,
      amount: money,
      issueDate,
      dueDate,
      description,
      lines: [{ position: 1, description, quantity: 1, unitPrice: money, amount: money }],
    },
    correlationId: run.id,
    idempotencyKey: null,
    createdBy: null,
  };
}

async function publishCreated(tx: Tx, bus: Bus, invoices: NewInvoice[], numbers: string[], runId: string) {
  for (const [i, inv] of invoices.entries()) {
    await bus.publish(
      tx,
      InvoiceCreated,
      {
        invoiceId: inv.id,
        number: numbers[i]!,
        customerId: inv.customer.id,
        customerName: inv.customer.name,
        customerEmail: inv.customer.email,
        amount: inv.draft.amount,
        issueDate: inv.draft.issueDate,
        dueDate: inv.draft.dueDate,
      },
      {
        organizationId: inv.organizationId,
        companyId: inv.companyId,
        correlationId: runId,
        causationId: null,
      },
    );
  }
}
