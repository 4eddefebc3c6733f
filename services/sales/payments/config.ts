import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';
import { EMBEDDED_GATEWAY_API_KEY } from '#contracts/services.js';

/** Sales' payment settings, validated at start (a wrong value names the variable). */
export const paymentConfigSchema = z.object({
  /** How long `POST .../payments` waits for the gateway to settle before answering 202 pending. */
  PAYMENT_SETTLE_WAIT_MS: env.int(5_000, 0),
  /** After this long without a known charge outcome a payment is `needs-attention` (still retried). */
  PAYMENT_DEADLINE_MS: env.int(15 * 60_000, 1),
  /** Delays between charge (and refund) attempts whose outcome was unknown; the last repeats. */
  PAYMENT_RETRY_DELAYS_MS: env.msList([1_000, 2_000, 5_000, 10_000, 30_000, 60_000]),
  PAYMENT_CURRENCY: z
    .string()
    .regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code such as INR')
    .default('INR'),
  /** How long the breaker to the gateway stays open after repeated failures. */
  GATEWAY_BREAKER_OPEN_MS: env.int(60_000, 1),
  /** Sales' credential at the payment gateway (`Authorization: Bearer`); the default is the embedded one's. */
  GATEWAY_API_KEY: z.string().min(16, 'expected at least 16 characters').default(EMBEDDED_GATEWAY_API_KEY),
});

export type PaymentConfig = z.infer<typeof paymentConfigSchema>;

export const loadPaymentConfig = (source: Record<string, string | undefined>): PaymentConfig =>
  loadConfig(paymentConfigSchema, source);
