import { useState } from 'react';
import { ErrorBox, Loading, Section, Table, money } from '../components';
import { useGet } from '../hooks';
import { Journals } from './Journals';

interface TrialBalance {
  accounts: { accountCode: string; name: string; debit: string; credit: string }[];
  totalDebit: string;
  totalCredit: string;
  balanced: boolean;
}
interface Statement {
  account: { code: string; name: string };
  openingBalance: string;
  closingBalance: string;
  lines: {
    journalId: string;
    entryDate: string;
    description: string;
    debit: string;
    credit: string;
    balance: string;
  }[];
}

function AccountStatement({ code }: { code: string }) {
  const statement = useGet<Statement>('common', `/api/ledger/accounts/${code}/statement`);
  if (statement.loading && !statement.data) return <Loading what="the statement" />;
  if (!statement.data) return <ErrorBox error={statement.error} />;
  const s = statement.data;
  return (
    <Section title={`Statement of ${s.account.code} ${s.account.name}`}>
      <p>
        Opening {money(s.openingBalance)} · closing {money(s.closingBalance)}
      </p>
      <Table
        label="Statement"
        rows={s.lines}
        empty="No movements."
        columns={[
          { title: 'Date', cell: (l) => l.entryDate },
          { title: 'Description', cell: (l) => l.description },
          { title: 'Debit', cell: (l) => money(l.debit) },
          { title: 'Credit', cell: (l) => money(l.credit) },
          { title: 'Balance', cell: (l) => money(l.balance) },
        ]}
      />
    </Section>
  );
}

export function Ledger() {
  const tb = useGet<TrialBalance>('common', '/api/ledger/trial-balance');
  const [account, setAccount] = useState<string>();
  return (
    <>
      <Section
        title="Trial balance"
        actions={
          <button type="button" className="secondary" onClick={tb.reload}>
            Refresh
          </button>
        }
      >
        <ErrorBox error={tb.error} />
        {tb.loading && !tb.data ? (
          <Loading what="the trial balance" />
        ) : tb.data ? (
          <>
            <Table
              label="Trial balance"
              rows={tb.data.accounts}
              empty="No postings yet."
              columns={[
                {
                  title: 'Account',
                  cell: (a) => (
                    <button type="button" className="link" onClick={() => setAccount(a.accountCode)}>
                      {a.accountCode} {a.name}
                    </button>
                  ),
                },
                { title: 'Debit', cell: (a) => money(a.debit) },
                { title: 'Credit', cell: (a) => money(a.credit) },
              ]}
            />
            <p className={tb.data.balanced ? 'notice' : 'error'}>
              Totals: debit {money(tb.data.totalDebit)}, credit {money(tb.data.totalCredit)} —{' '}
              {tb.data.balanced ? 'balanced' : 'NOT balanced'}
            </p>
          </>
        ) : null}
      </Section>
      {account && <AccountStatement code={account} />}
      <Journals names={new Map((tb.data?.accounts ?? []).map((a) => [a.accountCode, a.name]))} />
    </>
  );
}
