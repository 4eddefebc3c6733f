import { randomUUID } from 'node:crypto';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Decimal } from 'decimal.js';
import type { Db, Tx } from '#platform/data/db.js';
import { LeaseHeartbeat, LeaseLost } from '#platform/data/lease.js';
import type { Jobs } from '#platform/jobs/jobs.js';
import type { Bus } from '#platform/messaging/bus.js';
import type { Logger } from 'pino';
import { InvoiceCreated } from '#contracts/sales.js';
import { invoiceCreated } from '../invoices/created-event.js';
import { insertNumberedInvoices, type NewInvoice } from '../invoices/numbered-insert.js';
import { periodOf } from '../invoices/numbering.js';
import type { ActiveResident, RunCustomer, RunDirectory } from './directory.js';
import { billingSettings, type BillingSettings } from './organizations.js';
import { periodDates } from './period.js';
import type { RunConfig } from './config.js';
import { isPassing, patiently, type Patience } from '#platform/retry/patience.js';
import {
  advanceRun,
  claimResidents,
  claimRun,
  finishRun,
  invoicedResidents,
  noteWaiting,
  recordFailures,
  runLease,
  type RunRow,
} from './store.js';

export interface RunDeps {
  db: Db;
  bus: Bus;
  jobs: Jobs;
  directory: RunDirectory;
  log: Logger;
  config: Pick<
    RunConfig,
    'INVOICE_RUN_PATIENCE_MS' | 'INVOICE_RUN_LEASE_MS' | 'INVOICE_RUN_PAGE_SIZE' | 'INVOICE_RUN_CONCURRENCY'
  >;
}

interface Failure {
  residentId: string;
  reason: string;
}

/**
 * Runs (or resumes) an invoice run: Community's active residents page by page (the next page is
 * read while this one is written); for each page the residents not yet invoiced for the period
 * are checked with Common in one call and invoiced in one transaction with their `InvoiceCreated`,
 * reminders, failures and the run's counts and cursor. A resident's failure is recorded and the
 * run goes on. Community or Common unavailable (an open circuit, timeouts, 5xx) is waited out
 * (patience.ts) and the page read again; only past the patience deadline does the run fail, with
 * the reason.
 */
export async function executeRun(deps: RunDeps, runId: string): Promise<void> {
  const { db, directory, log, config } = deps;
  const leaseMs = config.INVOICE_RUN_LEASE_MS;
  // This execution is the holder (one per execution, so two in one process never share a hold).
  const owner = randomUUID();
  const run = await claimRun(db, runId, owner, leaseMs);
  if (!run) return; // finished, or another worker holds it
  const lease: RunHold = {
    owner,
    ms: leaseMs,
    beat: new LeaseHeartbeat(
      () => runLease.renew(db, runId, owner, leaseMs, `status = 'running'`),
      leaseMs,
      'the invoice run',
      log.child({ runId }),
    ),
  };
  const patience: Patience = {
    deadlineMs: config.INVOICE_RUN_PATIENCE_MS,
    signal: lease.beat.signal,
    async onWait(err, waitMs, giveUpAt) {
      log.warn({ runId, dependency: err.dependency, reason: err.reason, waitMs }, 'invoice run waiting');
      await noteWaiting(
        db,
        runId,
        lease.owner,
        `waiting for ${err.dependency} (${err.message}); trying again until ${giveUpAt.toISOString()}`,
      ).catch(() => undefined); // only a note: the wait goes on without it
    },
  };
  const fetchPage = (cursor: string | null) => {
    const p = patiently(
      () => directory.residents(run.organization_id, cursor, config.INVOICE_RUN_PAGE_SIZE),
      patience,
    );
    p.catch(() => undefined); // awaited below; a rejection before then is not "unhandled"
    return p;
  };
  try {
    const settings = await billingSettings(db, run.organization_id);
    let next = fetchPage(run.cursor);
    for (;;) {
      const page = await next;
      if (page.nextCursor) next = fetchPage(page.nextCursor);
      await invoicePage(deps, { run, lease, patience, settings }, page.items, page.nextCursor);
      if (!page.nextCursor) break;
    }
    lease.beat.stop();
    await finishRun(db, runId, lease.owner, 'completed', null);
    log.info({ runId, period: run.period, organizationId: run.organization_id }, 'invoice run completed');
  } catch (err) {
    lease.beat.stop();
    if (err instanceof LeaseLost) return; // another worker carries on
    const waited = Math.round(config.INVOICE_RUN_PATIENCE_MS / 1000);
    const reason = isPassing(err)
      ? `${err.message}, still after waiting ${waited} s (the run stopped; start it again to complete the period)`
      : `run stopped: ${err instanceof Error ? err.message : String(err)}`;
    log.warn({ err, runId }, 'invoice run failed');
    await finishRun(db, runId, lease.owner, 'failed', reason);
  }
}

/** This execution's hold on the run: who it is, for how long, and the heartbeat keeping it. */
interface RunHold {
  owner: string;
  ms: number;
  beat: LeaseHeartbeat;
}

interface PageContext {
  run: RunRow;
  lease: RunHold;
  patience: Patience;
  settings: BillingSettings;
}

async function invoicePage(
  deps: RunDeps,
  { run, lease, patience, settings }: PageContext,
  residents: ActiveResident[],
  cursor: string | null,
): Promise<void> {
  const { db, bus, directory } = deps;
  const org = run.organization_id;
  lease.beat.check();
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
  const customerIds = [...new Set(candidates.map((r) => r.customerId))];
  const customers = await patiently(() => directory.customers(org, customerIds), patience);
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
  await db
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
        const numbers = await insertNumberedInvoices(tx, org, periodOf(issueDate), invoices);
        await publishCreated(tx, bus, invoices, numbers, run.id);
      }
      await recordFailures(tx, run.id, failures);
      const held = await advanceRun(tx, run.id, lease.owner, lease.ms, {
        residents: residents.length,
        created: invoices.length,
        skipped: residents.length - invoices.length - failures.length,
        failed: failures.length,
        cursor,
      });
      // Another worker took the run over: this page is rolled back, the other one writes it.
      if (!held) throw new LeaseLost();
    })
    .catch((err: unknown) => {
      if (err instanceof LeaseLost) lease.beat.markLost();
      throw err;
    });
}

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
    // A page's envelopes are built without any I/O to wait on: a pause every 50 lets the API's
    // requests (and the acks) in, instead of holding the event loop for the whole page.
    if (i > 0 && i % 50 === 0) await nextTurn();
    await bus.publish(tx, InvoiceCreated, invoiceCreated(inv, numbers[i]!), {
      organizationId: inv.organizationId,
      companyId: inv.companyId,
      correlationId: runId,
      causationId: null,
    });
  }
}
