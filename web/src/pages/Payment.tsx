import { type Session } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, TimelineLink, money, when } from '../components';
import { useGet } from '../hooks';

interface Payment {
  id: string;
  invoiceId: string;
  amount: string;
  status: string;
  transactionId: string | null;
  failureReason: string | null;
  correlationId: string | null;
  steps: { name: string; status: string; attempts: number; at: string }[];
}

/** A payment and its saga's steps: what ran, how often, with what outcome. */
export function PaymentDetail({ id, session }: { id: string; session: Session }) {
  const payment = useGet<Payment>('sales', `/api/payments/${encodeURIComponent(id)}`);
  if (payment.loading && !payment.data) return <Loading what="the payment" />;
  if (!payment.data) return <ErrorBox error={payment.error} />;
  const p = payment.data;
  return (
    <Section
      title="Payment"
      actions={
        <button type="button" className="secondary" onClick={payment.reload}>
          Refresh
        </button>
      }
    >
      <dl className="facts">
        <dt>Invoice</dt>
        <dd>
          <a href={`#/invoices/${p.invoiceId}`}>open the invoice</a>
        </dd>
        <dt>Amount</dt>
        <dd>{money(p.amount)}</dd>
        <dt>Status</dt>
        <dd>
          <Badge value={p.status} />
        </dd>
        <dt>Transaction</dt>
        <dd>{p.transactionId ?? '—'}</dd>
        {p.failureReason && (
          <>
            <dt>Reason</dt>
            <dd>{p.failureReason}</dd>
          </>
        )}
      </dl>
      <h3>Saga steps</h3>
      <Table
        label="Saga steps"
        rows={p.steps}
        empty="No step has run yet."
        columns={[
          { title: 'Step', cell: (s) => s.name },
          { title: 'Outcome', cell: (s) => <Badge value={s.status} /> },
          { title: 'Attempts', cell: (s) => s.attempts },
          { title: 'When', cell: (s) => when(s.at) },
        ]}
      />
      <p>
        <TimelineLink correlationId={p.correlationId} what="this payment" session={session} />
      </p>
    </Section>
  );
}
