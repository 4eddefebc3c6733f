import { randomUUID } from 'node:crypto';
import type { Flow } from '../history.js';
import { dueDate, money, steady, type Actor, type LoadContext } from './context.js';

/** The largest total a manager approves alone (above it the CFO approves too). */
const CFO_ABOVE = 50_000;

/**
 * Purchase orders from the accountant, approved by the manager (and the CFO above 50,000), each
 * billed in full once approved; every third step also a small bill without an order.
 */
export async function purchaseFlow(ctx: LoadContext, everyMs: number, vendorId: string): Promise<void> {
  const step = async (flow: Flow, op: string, actor: Actor, path: string, body?: unknown, key?: string) => {
    const correlationId = randomUUID();
    const res = await ctx.client.call({
      flow,
      op,
      base: ctx.url('purchase'),
      method: 'POST',
      path,
      token: ctx.token(actor),
      correlationId,
      ...(key ? { key } : {}),
      ...(body === undefined ? {} : { body }),
    });
    return { res, correlationId };
  };
  await steady(ctx, everyMs, async (i) => {
    const large = i % 3 === 1;
    const unitPrice = large ? 20_000 + ((i * 131) % 20_000) : 500 + ((i * 71) % 4_000);
    const created = await step(
      'purchaseOrders',
      'create',
      'accountant',
      '/api/purchase-orders',
      {
        vendorId,
        items: [{ description: `chaos ${ctx.tag} #${i}`, quantity: 3, unitPrice: money(unitPrice) }],
      },
      `${ctx.tag}-po-${i}`,
    );
    if (created.res?.status !== 201) return;
    const po = created.res.body as { id: string; amount: string };
    const submitted = await step(
      'purchaseOrders',
      'submit',
      'accountant',
      `/api/purchase-orders/${po.id}/submit`,
    );
    if (submitted.res?.status !== 200) return;
    const fact = {
      purchaseOrderId: po.id,
      amount: po.amount,
      submitCorrelationId: submitted.correlationId,
      approved: false,
    } as {
      purchaseOrderId: string;
      amount: string;
      submitCorrelationId: string;
      approvedCorrelationId?: string;
      approved: boolean;
    };
    ctx.history.purchaseOrders.push(fact);
    const approvers: Actor[] = Number(po.amount) > CFO_ABOVE ? ['manager', 'cfo'] : ['manager'];
    for (const approver of approvers) {
      const a = await step(
        'purchaseOrders',
        `approve-${approver}`,
        approver,
        `/api/purchase-orders/${po.id}/approve`,
        {
          comments: 'chaos',
        },
      );
      // 403/409 on a retry: this approver's first attempt went through; the final state tells.
      if (a.res?.status === 200 && a.res.body.status === 'approved') {
        fact.approved = true;
        fact.approvedCorrelationId = a.correlationId;
      }
      if (!a.res || a.res.status >= 400) return;
    }
    if (!fact.approved) return;
    const bill = await step(
      'bills',
      'for-po',
      'accountant',
      '/api/bills',
      { vendorId, amount: po.amount, dueDate: dueDate(), purchaseOrderId: po.id },
      `${ctx.tag}-bill-po-${i}`,
    );
    if (bill.res?.status === 201) {
      ctx.history.bills.push({
        billId: bill.res.body.id,
        purchaseOrderId: po.id,
        amount: po.amount,
        correlationId: bill.correlationId,
      });
    }
    if (i % 3 === 0) {
      const amount = money(200 + ((i * 53) % 5_000));
      const small = await step(
        'bills',
        'small',
        'accountant',
        '/api/bills',
        { vendorId, amount, dueDate: dueDate() },
        `${ctx.tag}-bill-${i}`,
      );
      if (small.res?.status === 201)
        ctx.history.bills.push({ billId: small.res.body.id, amount, correlationId: small.correlationId });
    }
  });
}
