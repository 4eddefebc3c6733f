import { randomUUID } from 'node:crypto';
import type { LoadContext } from './flows/context.js';

/** The run's own customers (their balances are checked against the ledger) and a vendor. */
export async function setup(ctx: LoadContext, customers = 8): Promise<{ vendorId: string }> {
  for (let i = 0; i < customers; i++) {
    const email = `${ctx.tag}-${i}@chaos.example`;
    const res = await ctx.client.call({
      flow: 'invoices',
      op: 'setup-customer',
      base: ctx.url('common'),
      method: 'POST',
      path: '/api/customers',
      token: ctx.token('admin'),
      key: `${ctx.tag}-customer-${i}`,
      body: { name: `Chaos ${ctx.tag} ${i}`, email },
    });
    if (res?.status !== 201)
      throw new Error(`creating a customer answered ${res?.status}: ${JSON.stringify(res?.body)}`);
    ctx.history.customers.push({ id: res.body.id, email });
  }
  const vendor = await ctx.client.call({
    flow: 'purchaseOrders',
    op: 'setup-vendor',
    base: ctx.url('purchase'),
    method: 'POST',
    path: '/api/vendors',
    token: ctx.token('accountant'),
    key: `${ctx.tag}-vendor`,
    correlationId: randomUUID(),
    body: { name: `Chaos vendor ${ctx.tag}` },
  });
  if (vendor?.status !== 201)
    throw new Error(`creating a vendor answered ${vendor?.status}: ${JSON.stringify(vendor?.body)}`);
  // The customers reach Notification's replica by event: an invoice mailed before it arrives waits for it.
  return { vendorId: vendor.body.id };
}
