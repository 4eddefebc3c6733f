import { randomUUID } from 'node:crypto';
import { unprocessable } from '#platform/http/problem.js';
import type { Work, Written } from '#platform/http/write.js';
import { CustomerUpdated } from '#contracts/common.js';
import { changeBalance, customerFacts, customersOf } from '../customers/store.js';
import { ACCOUNTS } from './chart.js';
import { assertBalanced, UnbalancedJournalError, type LineInput } from './journal.js';
import { knownAccounts, postJournal } from './journal-store.js';
import { money, moneyText, ZERO, type Money } from './money.js';

export interface AdjustingJournalBody {
  date: string;
  reason: string;
  lines: Array<{ accountCode: string; customerId?: string | undefined; debit: string; credit: string }>;
}

export interface AdjustingJournal {
  id: string;
  /** What `GET /api/ledger/journals?referenceId=` finds it by. */
  referenceId: string;
  entryDate: string;
  reason: string;
  lines: Array<{ accountCode: string; customerId: string | null; debit: string; credit: string }>;
  /** Each named customer's balance after the journal. */
  balances: Array<{ customerId: string; balance: string }>;
}

const lineError = (i: number, field: string, message: string) =>
  unprocessable(message, [{ in: 'body', path: `lines.${i}.${field}`, message }]);

/** The rules before anything is read: balanced, customers only on receivable lines. */
function linesOf(body: AdjustingJournalBody): LineInput[] {
  const lines = body.lines.map((l, i) => {
    if (l.customerId !== undefined && l.accountCode !== ACCOUNTS.receivable) {
      throw lineError(
        i,
        'customerId',
        `a customer is named only on the receivable account ${ACCOUNTS.receivable}`,
      );
    }
    return {
      accountCode: l.accountCode,
      debit: money(l.debit),
      credit: money(l.credit),
      // As the database writes uuids, so one customer is one key however the caller cased it.
      customerId: l.customerId?.toLowerCase() ?? null,
    };
  });
  try {
    assertBalanced(lines);
  } catch (err) {
    if (err instanceof UnbalancedJournalError)
      throw unprocessable(`the journal is not balanced: ${err.message}`);
    throw err;
  }
  return lines;
}

/**
 * An adjusting journal, posted by hand like any other (balanced, atomic with its lines), for
 * `runWrite`. A receivable line that names a customer moves that customer's balance by its debit
 * less its credit, in the same transaction, once per journal (reference `journal:<id>`), and
 * announces the new balance (`CustomerUpdated`): no business fact on the bus carries it.
 */
export function postAdjustingJournal(organizationId: string, body: AdjustingJournalBody) {
  const lines = linesOf(body);
  return async ({ tx, publish }: Work): Promise<Written<AdjustingJournal>> => {
    const codes = [...new Set(lines.map((l) => l.accountCode))];
    const known = await knownAccounts(tx, organizationId, codes);
    const unknownAt = lines.findIndex((l) => !known.has(l.accountCode));
    if (unknownAt >= 0) {
      throw lineError(
        unknownAt,
        'accountCode',
        `account ${lines[unknownAt]!.accountCode} is not in the chart`,
      );
    }
    const deltas = new Map<string, Money>();
    for (const l of lines) {
      if (l.customerId)
        deltas.set(l.customerId, (deltas.get(l.customerId) ?? ZERO).plus(l.debit).minus(l.credit));
    }
    const mine = await customersOf(tx, organizationId, [...deltas.keys()]);
    const strangerAt = lines.findIndex((l) => l.customerId && !mine.has(l.customerId));
    // Another organization's customer reads as no customer at all.
    if (strangerAt >= 0)
      throw lineError(strangerAt, 'customerId', `customer ${lines[strangerAt]!.customerId} does not exist`);

    const referenceId = randomUUID();
    const { journalId: id } = await postJournal(tx, {
      organizationId,
      companyId: null,
      referenceType: 'adjustment',
      referenceId,
      postingKind: 'adjustment',
      description: `Adjustment: ${body.reason}`,
      entryDate: body.date,
      lines,
    });
    const balances: AdjustingJournal['balances'] = [];
    for (const [customerId, delta] of deltas) {
      if (delta.isZero()) continue;
      const change = await changeBalance(tx, organizationId, customerId, `journal:${id}`, moneyText(delta));
      if (change.outcome !== 'applied')
        throw new Error(`balance of ${customerId} did not move (${change.outcome})`);
      balances.push({ customerId, balance: change.customer.balance });
      await publish(CustomerUpdated, customerFacts(change.customer), {
        companyId: change.customer.companyId,
      });
    }
    return {
      status: 201,
      body: {
        id,
        referenceId,
        entryDate: body.date,
        reason: body.reason,
        lines: lines.map((l) => ({
          accountCode: l.accountCode,
          customerId: l.customerId ?? null,
          debit: moneyText(l.debit),
          credit: moneyText(l.credit),
        })),
        balances,
      },
      activity: {
        action: 'ledger.adjusted',
        detail: { journalId: id, reason: body.reason, customers: [...deltas.keys()] },
      },
    };
  };
}
