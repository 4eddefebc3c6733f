import type { Queryable } from '#platform/data/db.js';

export type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';

/** The default chart every organization starts with (the seed's codes). */
export const DEFAULT_CHART: ReadonlyArray<{ code: string; name: string; type: AccountType }> = [
  { code: '1100', name: 'Bank', type: 'asset' },
  { code: '1200', name: 'Accounts Receivable', type: 'asset' },
  { code: '2100', name: 'Accounts Payable', type: 'liability' },
  { code: '2200', name: 'Salaries Payable', type: 'liability' },
  { code: '2300', name: 'Deductions Payable', type: 'liability' },
  { code: '3000', name: 'Members Fund', type: 'equity' },
  { code: '4000', name: 'Revenue', type: 'revenue' },
  { code: '5000', name: 'Expenses', type: 'expense' },
  { code: '5100', name: 'Salaries Expense', type: 'expense' },
  { code: '5900', name: 'Committed Budget', type: 'expense' },
];

export const ACCOUNTS = {
  bank: '1100',
  receivable: '1200',
  payable: '2100',
  salariesPayable: '2200',
  deductionsPayable: '2300',
  revenue: '4000',
  expenses: '5000',
  salariesExpense: '5100',
  committedBudget: '5900',
} as const;

/** Gives an organization the default chart; accounts it already has are left as they are. */
export async function seedChart(q: Queryable, organizationId: string): Promise<void> {
  const values = DEFAULT_CHART.map((_, i) => `($1, $${i * 3 + 2}, $${i * 3 + 3}, $${i * 3 + 4})`).join(', ');
  await q.query(
    `INSERT INTO account (organization_id, code, name, type) VALUES ${values} ON CONFLICT DO NOTHING`,
    [organizationId, ...DEFAULT_CHART.flatMap((a) => [a.code, a.name, a.type])],
  );
}

/** An organization's chart of accounts, by code. */
export async function chartOf(
  q: Queryable,
  organizationId: string,
): Promise<Array<{ code: string; name: string; type: string }>> {
  const { rows } = await q.query<{ code: string; name: string; type: string }>(
    'SELECT code, name, type FROM account WHERE organization_id = $1 ORDER BY code',
    [organizationId],
  );
  return rows;
}
