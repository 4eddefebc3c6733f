import { useState } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, Loading, Section, Table, TimelineLink, money, when } from '../components';
import { useGet, useIdempotencyKey } from '../hooks';

interface Invoice {
  id: string;
  number: string;
  status: string;
  amount: string;
  customerName: string;
  customerId: string;
  issueDate: string;
  dueDate: string;
  posted: boolean;
  postedAt: string | null;
  journalId: string | null;
  correlationId: string | null;
  lines: { position: number; description: string; quantity: number; unitPrice: string; amount: string }[];
}

export function InvoiceDetail({ id, session }: { id: string; session: Session }) {
  const invoice = useGet<Invoice>('sales', `/api/invoices/${encodeURIComponent(id)}`);
  // Later actions carry the invoice's own correlation id: its timeline then holds its whole life.
  const thread = invoice.data?.correlationId ?? undefined;
  const [notice, setNotice] = useState<string>();
  const [error, setError] = useState<Error>();

  const [paymentMethodId, setPaymentMethodId] = useState('pm_card_visa');
  const [busy, setBusy] = useState(false);
  const payKey = useIdempotencyKey();
  const voidKey = useIdempotencyKey();
  const sendKey = useIdempotencyKey();
  const pay = async () => {
    setError(undefined);
    setBusy(true);
    try {
      const paid = await call<{ paymentId: string; status: string }>(
        'sales',
        `/api/invoices/${id}/payments`,
        {
          body: { paymentMethodId },
          idempotencyKey: payKey.key(),
          correlationId: thread,
        },
      );
      payKey.done();
      setNotice(`Payment ${paid.status}.`);
      setPaymentId(paid.paymentId);
      invoice.reload();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  const [paymentId, setPaymentId] = useState<string>();
  const voidInvoice = async () => {
    setError(undefined);
    try {
      await call('sales', `/api/invoices/${id}/void`, {
        method: 'POST',
        body: {},
        idempotencyKey: voidKey.key(),
        correlationId: thread,
      });
      voidKey.done();
      invoice.reload();
    } catch (err) {
      setError(err as Error);
    }
  };

  const sendAgain = async () => {
    setError(undefined);
    try {
      await call('sales', `/api/invoices/${id}/send-email`, {
        method: 'POST',
        idempotencyKey: sendKey.key(),
        correlationId: thread,
      });
      sendKey.done();
      setNotice('The invoice mail is on its way.');
    } catch (err) {
      setError(err as Error);
    }
  };

  if (invoice.loading && !invoice.data) return <Loading what="the invoice" />;
  if (!invoice.data) return <ErrorBox error={invoice.error} />;
  const i = invoice.data;
  return (
    <Section
      title={`Invoice ${i.number}`}
      actions={
        <span className="actions">
          <button type="button" className="secondary" onClick={invoice.reload}>
            Refresh
          </button>
          {can(session, 'invoices:write') && (
            <button type="button" onClick={sendAgain}>
              Send again
            </button>
          )}
        </span>
      }
    >
      <dl className="facts">
        <dt>Customer</dt>
        <dd>
          <a href={`#/statement/${i.customerId}`}>{i.customerName}</a>
        </dd>
        <dt>Amount</dt>
        <dd>{money(i.amount)}</dd>
        <dt>Issued / due</dt>
        <dd>
          {i.issueDate} / {i.dueDate}
        </dd>
        <dt>Status</dt>
        <dd>
          <Badge value={i.status} />
        </dd>
        <dt>Ledger</dt>
        <dd>
          <Badge value={i.posted ? 'posted' : 'pending'} /> {i.posted ? when(i.postedAt) : ''}
        </dd>
      </dl>
      {i.status === 'issued' && can(session, 'payments:write') && (
        <div className="inline-form" aria-label="Pay">
          <label>
            Card
            <select
              name="paymentMethod"
              value={paymentMethodId}
              onChange={(e) => setPaymentMethodId(e.target.value)}
            >
              <option value="pm_card_visa">Visa ending 4242</option>
              <option value="pm_card_declined">A card that is declined</option>
            </select>
          </label>
          <button type="button" onClick={pay} disabled={busy}>
            {busy ? 'Paying…' : `Pay ${money(i.amount)}`}
          </button>
          {can(session, 'invoices:write') && (
            <button type="button" className="secondary" onClick={voidInvoice}>
              Void
            </button>
          )}
        </div>
      )}
      {notice && (
        <p className="notice" role="status">
          {notice} {paymentId && <a href={`#/payments/${paymentId}`}>See the payment and its steps</a>}
        </p>
      )}
      <ErrorBox error={error ?? invoice.error} />
      <Table
        label="Lines"
        rows={i.lines}
        empty="No lines."
        columns={[
          { title: 'Description', cell: (l) => l.description },
          { title: 'Quantity', cell: (l) => l.quantity },
          { title: 'Unit price', cell: (l) => money(l.unitPrice) },
          { title: 'Amount', cell: (l) => money(l.amount) },
        ]}
      />
      <p>
        <TimelineLink correlationId={i.correlationId} what="this invoice" session={session} />
      </p>
    </Section>
  );
}
