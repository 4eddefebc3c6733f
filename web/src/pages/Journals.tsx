import { useState } from 'react';
import { call } from '../api';
import { ErrorBox, Loading, Section, Table, money, when } from '../components';
import { useAction, useGet } from '../hooks';

interface Journal {
  id: string;
  referenceId: string;
  referenceType: string;
  description: string;
  entryDate: string;
  createdAt: string;
  lines: { accountCode: string; debit: string; credit: string }[];
}
interface Page {
  items: Journal[];
  nextCursor: string | null;
}

const PAGE = 20;

/** Where the console shows a journal's source document, by the ledger's reference type. */
const SOURCE_PAGES: Record<string, string> = {
  invoice: 'invoices',
  payment: 'payments',
  'purchase-order': 'purchase-orders',
};

function Source({ journal }: { journal: Journal }) {
  const page = SOURCE_PAGES[journal.referenceType];
  return page ? (
    <a href={`#/${page}/${journal.referenceId}`}>{journal.referenceType}</a>
  ) : (
    journal.referenceType
  );
}

/** A journal's lines as an accountant writes them: the account, then Dr or Cr and the amount. */
function Lines({ journal, names }: { journal: Journal; names: Map<string, string> }) {
  return (
    <ul className="lines">
      {journal.lines.map((l, i) => {
        const debit = Number(l.debit) > 0;
        return (
          <li key={i}>
            {l.accountCode} {names.get(l.accountCode) ?? ''} · {debit ? 'Dr' : 'Cr'}{' '}
            {money(debit ? l.debit : l.credit)}
          </li>
        );
      })}
    </ul>
  );
}

/** The newest journals with their lines, older ones a page at a time. */
export function Journals({ names }: { names: Map<string, string> }) {
  const first = useGet<Page>('common', `/api/ledger/journals?limit=${PAGE}`);
  const [older, setOlder] = useState<Page[]>([]);
  const more = useAction(() => undefined);
  const pages = first.data ? [first.data, ...older] : [];
  const next = pages.at(-1)?.nextCursor;
  const showOlder = () =>
    more.run(async () => {
      const page = await call<Page>('common', `/api/ledger/journals?limit=${PAGE}&cursor=${next}`);
      setOlder((o) => [...o, page]);
    });
  const reload = () => {
    setOlder([]);
    first.reload();
  };
  return (
    <Section
      title="Journals"
      actions={
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      }
    >
      <ErrorBox error={first.error ?? more.error} />
      {first.loading && !first.data ? <Loading what="journals" /> : null}
      {first.data && (
        <Table
          label="Journals"
          rows={pages.flatMap((p) => p.items)}
          empty="No journals yet."
          columns={[
            { title: 'Date', cell: (j) => j.entryDate },
            { title: 'Description', cell: (j) => j.description },
            { title: 'Source', cell: (j) => <Source journal={j} /> },
            { title: 'Lines', cell: (j) => <Lines journal={j} names={names} /> },
            { title: 'Posted', cell: (j) => when(j.createdAt) },
          ]}
        />
      )}
      {next && (
        <button type="button" className="secondary" onClick={showOlder} disabled={more.busy}>
          Older journals
        </button>
      )}
    </Section>
  );
}
