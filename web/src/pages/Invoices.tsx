import { useState, type FormEvent } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, LoadedSection, Section, Table, money } from '../components';
import { useLoad } from '../hooks';

interface Invoice {
  id: string;
  number: string;
  status: string;
  amount: string;
  customerName: string;
  dueDate: string;
  posted: boolean;
}
interface Customer {
  id: string;
  name: string;
  email: string;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function NewInvoice({ onCreated }: { onCreated(): void }) {
  const customers = useLoad(() => call<{ items: Customer[] }>('common', '/api/customers?limit=100'), []);
  const [customerId, setCustomerId] = useState('');
  const [amount, setAmount] = useState('');
  const [dueDate, setDueDate] = useState(inDays(15));
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await call('sales', '/api/invoices', {
        body: { customerId: customerId || customers.data?.items[0]?.id, amount, dueDate },
        idempotencyKey: true,
      });
      setAmount('');
      onCreated();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={submit} className="inline-form" aria-label="New invoice">
      <label>
        Customer
        <select name="customer" value={customerId} onChange={(e) => setCustomerId(e.target.value)}>
          {(customers.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Amount
        <input
          name="amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          required
        />
      </label>
      <label>
        Due
        <input
          name="dueDate"
          type="date"
          value={dueDate}
          onChange={(e) => setDueDate(e.target.value)}
          required
        />
      </label>
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create invoice'}
      </button>
      <ErrorBox error={error ?? customers.error} />
    </form>
  );
}

export function Invoices({ session }: { session: Session }) {
  const list = useLoad(() => call<{ items: Invoice[] }>('sales', '/api/invoices?limit=50'), []);
  return (
    <>
      {can(session, 'invoices:write') && (
        <Section title="New invoice">
          <NewInvoice onCreated={list.reload} />
        </Section>
      )}
      <LoadedSection title="Invoices" loaded={list} what="invoices">
        {(data) => (
          <Table
            label="Invoices"
            rows={data.items}
            empty="No invoices yet."
            columns={[
              { title: 'Number', cell: (i) => <a href={`#/invoices/${i.id}`}>{i.number}</a> },
              { title: 'Customer', cell: (i) => i.customerName },
              { title: 'Amount', cell: (i) => money(i.amount) },
              { title: 'Due', cell: (i) => i.dueDate },
              { title: 'Status', cell: (i) => <Badge value={i.status} /> },
              { title: 'Ledger', cell: (i) => <Badge value={i.posted ? 'posted' : 'pending'} /> },
            ]}
          />
        )}
      </LoadedSection>
    </>
  );
}
