import { useState } from 'react';
import { call, can, type Session } from '../api';
import {
  Badge,
  ErrorBox,
  ListSection,
  Loading,
  Section,
  Table,
  TimelineLink,
  money,
  when,
} from '../components';
import { ActionForm, CounterpartyField, Field } from '../forms';
import { useAction, useCounterparty, useGet } from '../hooks';
import { BillForOrder } from './Bills';

interface PurchaseOrder {
  id: string;
  number: string;
  status: string;
  amount: string;
  vendorId: string;
  vendorName: string;
  requestedBy: string;
  requestedByName: string | null;
  requiredRoles: string[];
  approvals: { role: string; userId: string; userName: string | null; comments: string | null; at: string }[];
  rejection: { userName: string | null; comments: string; at: string } | null;
  budgetReserved: boolean;
  correlationId: string | null;
  items: { position: number; description: string; quantity: number; unitPrice: string; amount: string }[];
}

function NewPurchaseOrder({ onCreated }: { onCreated(): void }) {
  const vendor = useCounterparty('purchase', '/api/vendors?limit=100');
  const [description, setDescription] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [unitPrice, setUnitPrice] = useState('');
  const action = useAction(onCreated);
  return (
    <ActionForm
      label="New purchase order"
      action={action}
      submit="Create purchase order"
      loadError={vendor.error}
      run={(key) =>
        call('purchase', '/api/purchase-orders', {
          body: {
            vendorId: vendor.id,
            items: [{ description, quantity: Number(quantity), unitPrice }],
          },
          idempotencyKey: key,
        })
      }
    >
      <CounterpartyField label="Vendor" name="vendor" counterparty={vendor} />
      <Field label="Item" name="description" value={description} onChange={setDescription} required />
      <Field label="Quantity" name="quantity" inputMode="numeric" value={quantity} onChange={setQuantity} />
      <Field
        label="Unit price"
        name="unitPrice"
        inputMode="decimal"
        value={unitPrice}
        onChange={setUnitPrice}
        required
      />
    </ActionForm>
  );
}

export function PurchaseOrderDetail({ id, session }: { id: string; session: Session }) {
  const po = useGet<PurchaseOrder>('purchase', `/api/purchase-orders/${encodeURIComponent(id)}`);
  const action = useAction(po.reload);
  const [comments, setComments] = useState('');
  if (po.loading && !po.data) return <Loading what="the purchase order" />;
  if (!po.data) return <ErrorBox error={po.error} />;
  const p = po.data;
  // Every step carries the order's own correlation id, so its timeline holds the whole approval.
  const thread = p.correlationId ?? undefined;
  const post = (verb: string, body?: unknown) =>
    action.run(() =>
      call('purchase', `/api/purchase-orders/${p.id}/${verb}`, {
        method: 'POST',
        body,
        correlationId: thread,
      }),
    );
  const mine = p.requestedBy === session.subject;
  return (
    <Section
      title={`Purchase order ${p.number}`}
      actions={
        <button type="button" className="secondary" onClick={po.reload}>
          Refresh
        </button>
      }
    >
      <dl className="facts">
        <dt>Vendor</dt>
        <dd>{p.vendorName}</dd>
        <dt>Amount</dt>
        <dd>{money(p.amount)}</dd>
        <dt>Status</dt>
        <dd>
          <Badge value={p.status} />
        </dd>
        <dt>Requested by</dt>
        <dd>{p.requestedByName ?? p.requestedBy}</dd>
        <dt>Approval by</dt>
        <dd>{p.requiredRoles.join(', ') || '—'}</dd>
        <dt>Budget</dt>
        <dd>
          <Badge value={p.budgetReserved ? 'reserved' : 'not reserved'} />
        </dd>
      </dl>
      <h3>Approval history</h3>
      <Table
        label="Approvals"
        rows={p.approvals}
        empty="No approvals yet."
        columns={[
          { title: 'Role', cell: (a) => a.role },
          { title: 'By', cell: (a) => a.userName ?? a.userId },
          { title: 'Comments', cell: (a) => a.comments ?? '' },
          { title: 'When', cell: (a) => when(a.at) },
        ]}
      />
      {p.rejection && (
        <p className="error">
          Rejected by {p.rejection.userName ?? 'someone'} ({when(p.rejection.at)}): {p.rejection.comments}
        </p>
      )}
      <div className="inline-form">
        {p.status === 'draft' && mine && (
          <button type="button" onClick={() => post('submit')} disabled={action.busy}>
            Submit for approval
          </button>
        )}
        {p.status === 'submitted' && can(session, 'purchase-orders:approve') && (
          <>
            <Field label="Comments" name="comments" value={comments} onChange={setComments} />
            <button
              type="button"
              onClick={() => post('approve', comments ? { comments } : {})}
              disabled={action.busy}
            >
              Approve
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => post('reject', { comments })}
              disabled={action.busy}
            >
              Reject
            </button>
          </>
        )}
        {(p.status === 'draft' || p.status === 'submitted') && mine && (
          <button type="button" className="secondary" onClick={() => post('cancel')} disabled={action.busy}>
            Cancel
          </button>
        )}
      </div>
      <ErrorBox error={action.error} />
      {p.status === 'approved' && can(session, 'bills:write') && <BillForOrder order={p} />}
      <p>
        <TimelineLink correlationId={p.correlationId} what="this purchase order" session={session} />
      </p>
    </Section>
  );
}

export function PurchaseOrders({ session }: { session: Session }) {
  const list = useGet<{ items: PurchaseOrder[] }>('purchase', '/api/purchase-orders?limit=50');
  const waiting = (list.data?.items ?? []).filter((p) => waitsFor(p, session));
  return (
    <>
      {can(session, 'purchase-orders:approve') && (
        <Section title="Waiting for you">
          <Table
            label="Purchase orders waiting for you"
            rows={waiting}
            empty={list.data ? 'Nothing is waiting for your approval.' : 'Loading…'}
            columns={[
              { title: 'Number', cell: (p) => <a href={`#/purchase-orders/${p.id}`}>{p.number}</a> },
              { title: 'Vendor', cell: (p) => p.vendorName },
              { title: 'Amount', cell: (p) => money(p.amount) },
              { title: 'Requested by', cell: (p) => p.requestedByName ?? '—' },
            ]}
          />
        </Section>
      )}
      {can(session, 'purchase-orders:write') && (
        <Section title="New purchase order">
          <NewPurchaseOrder onCreated={list.reload} />
        </Section>
      )}
      <ListSection
        title="Purchase orders"
        loaded={list}
        what="purchase orders"
        empty="No purchase orders yet."
        columns={[
          { title: 'Number', cell: (p) => <a href={`#/purchase-orders/${p.id}`}>{p.number}</a> },
          { title: 'Vendor', cell: (p) => p.vendorName },
          { title: 'Amount', cell: (p) => money(p.amount) },
          { title: 'Status', cell: (p) => <Badge value={p.status} /> },
          { title: 'Budget', cell: (p) => (p.budgetReserved ? 'reserved' : '—') },
        ]}
      />
    </>
  );
}

/** Submitted, its next approval is one of this person's roles, and they did not ask for it. */
function waitsFor(p: PurchaseOrder, session: Session): boolean {
  if (p.status !== 'submitted' || p.requestedBy === session.subject) return false;
  const done = new Set(p.approvals.map((a) => a.role));
  const next = p.requiredRoles.find((r) => !done.has(r));
  return next !== undefined && session.roles.includes(next);
}
