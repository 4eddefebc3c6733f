import { useState, type FormEvent } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ErrorBox, LoadedSection, Section, Table, TimelineLink, money, when } from '../components';
import { useAction, useLoad } from '../hooks';

interface Bill {
  id: string;
  number: string;
  status: string;
  vendorName: string;
  purchaseOrderId: string | null;
  amount: string;
  dueDate: string;
  posted: boolean;
  createdAt: string;
  correlationId: string | null;
}

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function DueDate({ value, onChange }: { value: string; onChange(v: string): void }) {
  return (
    <label>
      Due
      <input name="dueDate" type="date" value={value} onChange={(e) => onChange(e.target.value)} required />
    </label>
  );
}

/**
 * The vendor's bill for an approved order (on the order's page): Common releases the order's
 * reservation and books the expense. It carries the order's correlation id, so the order's timeline
 * ends with its bill.
 */
export function BillForOrder({
  order,
}: {
  order: { id: string; vendorId: string; amount: string; correlationId: string | null };
}) {
  const [dueDate, setDueDate] = useState(() => inDays(30));
  const [bill, setBill] = useState<Bill>();
  const action = useAction(() => undefined);
  const record = (e: FormEvent) => {
    e.preventDefault();
    void action.run(async () =>
      setBill(
        await call<Bill>('purchase', '/api/bills', {
          body: { vendorId: order.vendorId, amount: order.amount, dueDate, purchaseOrderId: order.id },
          idempotencyKey: true,
          correlationId: order.correlationId ?? undefined,
        }),
      ),
    );
  };
  if (bill) {
    return (
      <p className="notice" role="status">
        Bill {bill.number} recorded. <a href="#/bills">See the bills</a>
      </p>
    );
  }
  return (
    <form onSubmit={record} className="inline-form" aria-label="Bill for this order">
      <DueDate value={dueDate} onChange={setDueDate} />
      <button type="submit" disabled={action.busy}>
        Record the bill of {money(order.amount)}
      </button>
      <ErrorBox error={action.error} />
    </form>
  );
}

/** A bill without an order (a utility, a repair paid on the spot). */
function NewBill({ onCreated }: { onCreated(): void }) {
  const vendors = useLoad(
    () => call<{ items: { id: string; name: string }[] }>('purchase', '/api/vendors?limit=100'),
    [],
  );
  const [vendorId, setVendorId] = useState('');
  const [amount, setAmount] = useState('');
  const [dueDate, setDueDate] = useState(() => inDays(30));
  const action = useAction(onCreated);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void action.run(() =>
      call('purchase', '/api/bills', {
        body: { vendorId: vendorId || vendors.data?.items[0]?.id, amount, dueDate },
        idempotencyKey: true,
      }),
    );
  };
  return (
    <form onSubmit={submit} className="inline-form" aria-label="New bill">
      <label>
        Vendor
        <select name="vendor" value={vendorId} onChange={(e) => setVendorId(e.target.value)}>
          {(vendors.data?.items ?? []).map((v) => (
            <option key={v.id} value={v.id}>
              {v.name}
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
      <DueDate value={dueDate} onChange={setDueDate} />
      <button type="submit" disabled={action.busy}>
        Record bill
      </button>
      <ErrorBox error={action.error ?? vendors.error} />
    </form>
  );
}

/** Vendors' bills, newest first, with whether the ledger has booked them. */
export function Bills({ session }: { session: Session }) {
  const list = useLoad(() => call<{ items: Bill[] }>('purchase', '/api/bills?limit=50'), []);
  return (
    <>
      {can(session, 'bills:write') && (
        <Section title="New bill">
          <NewBill onCreated={list.reload} />
        </Section>
      )}
      <LoadedSection title="Bills" loaded={list} what="bills">
        {(data) => (
          <Table
            label="Bills"
            rows={data.items}
            empty="No bills yet."
            columns={[
              { title: 'Number', cell: (b) => b.number },
              { title: 'Vendor', cell: (b) => b.vendorName },
              { title: 'Amount', cell: (b) => money(b.amount) },
              { title: 'Due', cell: (b) => b.dueDate },
              {
                title: 'Order',
                cell: (b) =>
                  b.purchaseOrderId ? <a href={`#/purchase-orders/${b.purchaseOrderId}`}>the order</a> : '—',
              },
              { title: 'Ledger', cell: (b) => <Badge value={b.posted ? 'posted' : 'pending'} /> },
              { title: 'Recorded', cell: (b) => when(b.createdAt) },
              {
                title: 'Timeline',
                cell: (b) => (
                  <TimelineLink correlationId={b.correlationId} what={b.number} session={session} />
                ),
              },
            ]}
          />
        )}
      </LoadedSection>
    </>
  );
}
