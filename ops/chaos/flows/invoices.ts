import { randomUUID } from 'node:crypto';
import { dueDate, money, steady, type LoadContext } from './context.js';

/** Invoices for the run's own customers, a few voided; payments for others, a quarter declined. */
export async function invoiceFlow(ctx: LoadContext, everyMs: number): Promise<void> {
  await steady(ctx, everyMs, async (i) => {
    const customer = ctx.history.customers[i % ctx.history.customers.length];
    if (!customer) return;
    const key = `${ctx.tag}-inv-${i}`;
    const correlationId = randomUUID();
    const amount = money(100 + ((i * 37) % 900) + 0.25);
    const res = await ctx.client.call({
      flow: 'invoices',
      op: 'create',
      base: ctx.url('sales'),
      method: 'POST',
      path: '/api/invoices',
      token: ctx.token('admin'),
      key,
      correlationId,
      // 409: the first request with this key is still being answered.
      retryOn: [409],
      body: { customerId: customer.id, amount, dueDate: dueDate() },
    });
    if (res?.status === 201) {
      ctx.history.invoices.push({
        key,
        invoiceId: res.body.id,
        customerId: customer.id,
        amount,
        correlationId,
      });
    }
  });
}

/** Pays invoices the run made (oldest unpaid first); every fourth with a card that is declined. */
export async function paymentFlow(ctx: LoadContext, everyMs: number): Promise<void> {
  const tried = new Set<string>();
  await steady(ctx, everyMs, async (i) => {
    const voided = new Set(ctx.history.voids.map((v) => v.invoiceId));
    // Every tenth invoice is left for the void flow; the others are paid.
    const invoice = ctx.history.invoices.find(
      (inv, n) => n % 10 !== 9 && !tried.has(inv.invoiceId) && !voided.has(inv.invoiceId),
    );
    if (!invoice) return;
    tried.add(invoice.invoiceId);
    const declined = i % 4 === 3;
    const paymentMethodId = declined ? 'pm_card_declined' : 'pm_card_visa';
    const correlationId = randomUUID();
    const res = await ctx.client.call({
      flow: 'payments',
      op: declined ? 'pay-declined' : 'pay',
      base: ctx.url('sales'),
      method: 'POST',
      path: `/api/invoices/${invoice.invoiceId}/payments`,
      token: ctx.token('admin'),
      key: `${ctx.tag}-pay-${invoice.invoiceId}`,
      correlationId,
      accept: [402],
      body: { paymentMethodId },
    });
    const answered =
      res?.status === 201
        ? 'succeeded'
        : res?.status === 202
          ? 'pending'
          : res?.status === 402
            ? 'declined'
            : undefined;
    const paymentId = res?.body?.paymentId as string | undefined;
    if (answered && paymentId) {
      ctx.history.payments.push({
        invoiceId: invoice.invoiceId,
        paymentId,
        paymentMethodId,
        answered,
        correlationId,
      });
    }
  });
}

/** Voids every tenth invoice (those the payment flow leaves alone). */
export async function voidFlow(ctx: LoadContext, everyMs: number): Promise<void> {
  const done = new Set<string>();
  await steady(ctx, everyMs, async () => {
    const invoice = ctx.history.invoices.find((inv, n) => n % 10 === 9 && !done.has(inv.invoiceId));
    if (!invoice) return;
    done.add(invoice.invoiceId);
    const correlationId = randomUUID();
    const res = await ctx.client.call({
      flow: 'voids',
      op: 'void',
      base: ctx.url('sales'),
      method: 'POST',
      path: `/api/invoices/${invoice.invoiceId}/void`,
      token: ctx.token('admin'),
      correlationId,
      accept: [409],
    });
    // A retried void whose first attempt went through answers 409 (no longer issued): it is void.
    if (res?.status === 200 || res?.status === 409)
      ctx.history.voids.push({ invoiceId: invoice.invoiceId, correlationId });
  });
}
