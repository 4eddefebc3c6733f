import { useState } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ListSection, Section, money } from '../components';
import { ActionForm, AmountField, CounterpartyField, DueDateField, inDays } from '../forms';
import { useAction, useCounterparty, useGet } from '../hooks';
import { CsvButton } from './Dashboard';

interface Invoice {
  id: string;
  number: string;
  status: string;
  amount: string;
  customerName: string;
  dueDate: string;
  posted: boolean;
}

function NewInvoice({ onCreated }: { onCreated(): void }) {
  const customer = useCounterparty('common', '/api/customers?limit=100');
  const [amount, setAmount] = useState('');
  const [dueDate, setDueDate] = useState(() => inDays(15));
  const action = useAction(onCreated);
  return (
    <ActionForm
      label="New invoice"
      action={action}
      submit={action.busy ? 'Creating…' : 'Create invoice'}
      loadError={customer.error}
      run={async (key) => {
        await call('sales', '/api/invoices', {
          body: { customerId: customer.id, amount, dueDate },
          idempotencyKey: key,
        });
        setAmount('');
      }}
    >
      <CounterpartyField label="Customer" name="customer" counterparty={customer} />
      <AmountField value={amount} onChange={setAmount} />
      <DueDateField value={dueDate} onChange={setDueDate} />
    </ActionForm>
  );
}

export function Invoices({ session }: { session: Session }) {
  const list = useGet<{ items: Invoice[] }>('sales', '/api/invoices?limit=50');
  return (
    <>
      {can(session, 'invoices:write') && (
        <Section title="New invoice">
          <NewInvoice onCreated={list.reload} />
        </Section>
      )}
      <div className="actions">
        <CsvButton path="/api/invoices" filename="invoices.csv" />
      </div>
      <ListSection
        title="Invoices"
        loaded={list}
        what="invoices"
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
    </>
  );
}
