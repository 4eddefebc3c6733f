import { useRef, useState } from 'react';
import { call, download, type Session } from '../api';
import { Badge, ErrorBox, LoadedSection, Loading, Section, Table, money } from '../components';
import { useGet, useLoad } from '../hooks';
import { day, today, when } from '../zone';

interface Invoice {
  id: string;
  number: string;
  status: string;
  amount: string;
  dueDate: string;
  issueDate: string;
}
interface Payment {
  id: string;
  invoiceId: string;
  amount: string;
  status: string;
  transactionId: string | null;
  failureReason: string | null;
  paidAt: string | null;
  createdAt: string;
}

/** Sums decimal strings exactly (in paise). */
const total = (amounts: string[]) => {
  const cents = amounts
    .reduce((n, a) => n + BigInt(a.replace('.', '')), 0n)
    .toString()
    .padStart(3, '0');
  return `${cents.slice(0, -2)}.${cents.slice(-2)}`;
};

/** A resident's first page: what they owe and by when, Pay on each, their payments and receipts, their statement. */
export function ResidentHome({ session }: { session: Session }) {
  const invoices = useGet<{ items: Invoice[] }>('sales', '/api/invoices?limit=100');
  const payments = useGet<{ items: Payment[] }>('sales', '/api/payments?limit=50');
  const reload = () => (invoices.reload(), payments.reload());
  const numberOf = new Map((invoices.data?.items ?? []).map((i) => [i.id, i.number]));
  const due = (invoices.data?.items ?? [])
    .filter((i) => i.status === 'issued')
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
  const inProgress = new Set(
    (payments.data?.items ?? []).filter((p) => p.status === 'pending').map((p) => p.invoiceId),
  );
  const now = today();
  return (
    <div className="resident">
      <Section title="What you owe">
        <ErrorBox error={invoices.error} />
        {invoices.loading && !invoices.data ? (
          <Loading what="your dues" />
        ) : due.length === 0 ? (
          <p className="summary">Nothing is due. Thank you!</p>
        ) : (
          <>
            <p className="summary">
              <strong>{money(total(due.map((i) => i.amount)))}</strong> due, the next by{' '}
              <strong>{day(due[0]!.dueDate)}</strong>.
            </p>
            <ul className="dues" aria-label="Invoices due">
              {due.map((i) => (
                <DueInvoice
                  key={i.id}
                  invoice={i}
                  overdue={i.dueDate < now}
                  paying={inProgress.has(i.id)}
                  onPaid={reload}
                />
              ))}
            </ul>
          </>
        )}
      </Section>
      <LoadedSection title="Your payments" loaded={payments} what="your payments">
        {(data) => (
          <Table
            label="Your payments"
            rows={data.items}
            empty="No payments yet."
            columns={[
              { title: 'Invoice', cell: (p) => numberOf.get(p.invoiceId) ?? '—' },
              { title: 'Amount', cell: (p) => money(p.amount) },
              { title: 'Paid', cell: (p) => when(p.paidAt ?? p.createdAt) },
              { title: 'Status', cell: (p) => <Badge value={p.status} /> },
              {
                title: 'Receipt',
                cell: (p) =>
                  p.status === 'succeeded' ? (
                    <a href={`#/receipt/${p.id}`}>Receipt for {numberOf.get(p.invoiceId) ?? 'payment'}</a>
                  ) : (
                    (p.failureReason ?? '—')
                  ),
              },
            ]}
          />
        )}
      </LoadedSection>
      {session.customerId && (
        <Section title="Your statement">
          <p>Every invoice and payment with the running balance, to print or keep.</p>
          <div className="actions">
            <a href={`#/statement/${session.customerId}`}>Open your statement</a>
            <StatementPdfButton customerId={session.customerId} />
          </div>
        </Section>
      )}
    </div>
  );
}

function DueInvoice({
  invoice,
  overdue,
  paying,
  onPaid,
}: {
  invoice: Invoice;
  overdue: boolean;
  paying: boolean;
  onPaid(): void;
}) {
  // One key per "Pay" of this invoice, kept when the person tries again after a failure.
  const key = useRef(crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const [notice, setNotice] = useState<string>();
  const pay = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const paid = await call<{ status: string }>('sales', `/api/invoices/${invoice.id}/payments`, {
        body: { paymentMethodId: 'pm_card_visa' },
        idempotencyKey: key.current,
      });
      key.current = crypto.randomUUID();
      setNotice(paid.status === 'succeeded' ? 'Paid. Your receipt is below.' : 'Payment is being processed.');
      onPaid();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="due">
      <div>
        <strong>{invoice.number}</strong> {money(invoice.amount)}
        <br />
        {overdue ? <Badge value="overdue" /> : null} due {day(invoice.dueDate)}
      </div>
      <button
        type="button"
        onClick={() => void pay()}
        disabled={busy || paying}
        aria-label={`Pay ${invoice.number}`}
      >
        {busy || paying ? 'Paying…' : 'Pay'}
      </button>
      {notice && <p role="status">{notice}</p>}
      <ErrorBox error={error} />
    </li>
  );
}

export function StatementPdfButton({ customerId }: { customerId: string }) {
  const [error, setError] = useState<Error>();
  return (
    <>
      <button
        type="button"
        className="secondary"
        onClick={() =>
          void download(
            'sales',
            `/api/customers/${customerId}/statement`,
            'application/pdf',
            'statement.pdf',
          ).catch(setError)
        }
      >
        Download statement (PDF)
      </button>
      <ErrorBox error={error} />
    </>
  );
}

/** A payment's receipt, as a resident keeps it. */
export function Receipt({ paymentId }: { paymentId: string }) {
  const payment = useGet<Payment>('sales', `/api/payments/${encodeURIComponent(paymentId)}`);
  const invoice = useLoad(
    () =>
      payment.data
        ? call<Invoice>('sales', `/api/invoices/${payment.data.invoiceId}`)
        : Promise.resolve(undefined),
    [payment.data?.invoiceId],
  );
  if (payment.loading && !payment.data) return <Loading what="the receipt" />;
  if (!payment.data) return <ErrorBox error={payment.error} />;
  const p = payment.data;
  return (
    <Section title={`Receipt for ${invoice.data?.number ?? 'payment'}`}>
      <dl className="facts">
        <dt>Amount received</dt>
        <dd>{money(p.amount)}</dd>
        <dt>For invoice</dt>
        <dd>{invoice.data?.number ?? '…'}</dd>
        <dt>Paid</dt>
        <dd>{when(p.paidAt)}</dd>
        <dt>Transaction</dt>
        <dd>{p.transactionId ?? '—'}</dd>
        <dt>Status</dt>
        <dd>
          <Badge value={p.status} />
        </dd>
      </dl>
      <button type="button" className="secondary" onClick={() => window.print()}>
        Print
      </button>
    </Section>
  );
}
