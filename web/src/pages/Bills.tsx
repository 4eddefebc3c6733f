import { useState } from 'react';
import { call, can, type Session } from '../api';
import { Badge, ListSection, Section, TimelineLink, money, when } from '../components';
import { ActionForm, AmountField, CounterpartyField, DueDateField, inDays } from '../forms';
import { useAction, useCounterparty, useGet } from '../hooks';

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
  if (bill) {
    return (
      <p className="notice" role="status">
        Bill {bill.number} recorded. <a href="#/bills">See the bills</a>
      </p>
    );
  }
  return (
    <ActionForm
      label="Bill for this order"
      action={action}
      submit={`Record the bill of ${money(order.amount)}`}
      run={async (key) =>
        setBill(
          await call<Bill>('purchase', '/api/bills', {
            body: { vendorId: order.vendorId, amount: order.amount, dueDate, purchaseOrderId: order.id },
            idempotencyKey: key,
            correlationId: order.correlationId ?? undefined,
          }),
        )
      }
    >
      <DueDateField value={dueDate} onChange={setDueDate} />
    </ActionForm>
  );
}

/** A bill without an order (a utility, a repair paid on the spot). */
function NewBill({ onCreated }: { onCreated(): void }) {
  const vendor = useCounterparty('purchase', '/api/vendors?limit=100');
  const [amount, setAmount] = useState('');
  const [dueDate, setDueDate] = useState(() => inDays(30));
  const action = useAction(onCreated);
  return (
    <ActionForm
      label="New bill"
      action={action}
      submit="Record bill"
      loadError={vendor.error}
      run={(key) =>
        call('purchase', '/api/bills', {
          body: { vendorId: vendor.id, amount, dueDate },
          idempotencyKey: key,
        })
      }
    >
      <CounterpartyField label="Vendor" name="vendor" counterparty={vendor} />
      <AmountField value={amount} onChange={setAmount} />
      <DueDateField value={dueDate} onChange={setDueDate} />
    </ActionForm>
  );
}

/** Vendors' bills, newest first, with whether the ledger has booked them. */
export function Bills({ session }: { session: Session }) {
  const list = useGet<{ items: Bill[] }>('purchase', '/api/bills?limit=50');
  return (
    <>
      {can(session, 'bills:write') && (
        <Section title="New bill">
          <NewBill onCreated={list.reload} />
        </Section>
      )}
      <ListSection
        title="Bills"
        loaded={list}
        what="bills"
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
            cell: (b) => <TimelineLink correlationId={b.correlationId} what={b.number} session={session} />,
          },
        ]}
      />
    </>
  );
}
