import { download } from '../api';
import { LoadedSection, Table, money } from '../components';
import { useGet } from '../hooks';
import { day } from '../zone';
import { StatementPdfButton } from './ResidentHome';

interface Line {
  date: string;
  kind: 'invoice' | 'payment';
  number: string;
  debit: string;
  credit: string;
  balance: string;
  invoiceId: string;
}
interface StatementBody {
  customer: { id: string; name: string; email: string };
  from: string | null;
  to: string;
  opening: string;
  lines: Line[];
  closing: string;
}

/** A customer's statement of account: opening, each invoice and payment with the balance, closing; PDF and CSV. */
export function Statement({ customerId }: { customerId: string }) {
  const statement = useGet<StatementBody>(
    'sales',
    `/api/customers/${encodeURIComponent(customerId)}/statement`,
  );
  return (
    <LoadedSection
      title={statement.data ? statement.data.customer.name : 'Statement'}
      loaded={statement}
      what="the statement"
    >
      {(s) => (
        <>
          <p className="summary">
            {s.from ? `From ${day(s.from)}` : 'From the first invoice'} to {day(s.to)}. Opening balance{' '}
            {money(s.opening)}; closing balance <strong>{money(s.closing)}</strong>.
          </p>
          <Table
            label="Statement lines"
            rows={s.lines}
            empty="No invoices or payments in this period."
            columns={[
              { title: 'Date', cell: (l) => day(l.date) },
              {
                title: 'Particulars',
                cell: (l) =>
                  l.kind === 'invoice' ? (
                    <a href={`#/invoices/${l.invoiceId}`}>Invoice {l.number}</a>
                  ) : (
                    `Payment for ${l.number}`
                  ),
              },
              { title: 'Debit', cell: (l) => (l.kind === 'invoice' ? money(l.debit) : '') },
              { title: 'Credit', cell: (l) => (l.kind === 'payment' ? money(l.credit) : '') },
              { title: 'Balance', cell: (l) => money(l.balance) },
            ]}
          />
          <div className="actions">
            <StatementPdfButton customerId={customerId} />
            <button
              type="button"
              className="secondary"
              onClick={() =>
                void download('sales', `/api/customers/${customerId}/statement`, 'text/csv', 'statement.csv')
              }
            >
              Download CSV
            </button>
          </div>
        </>
      )}
    </LoadedSection>
  );
}
