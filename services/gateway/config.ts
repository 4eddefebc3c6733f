import { z } from 'zod';
import { loadConfig } from '#platform/config/env.js';
import { EMBEDDED_GATEWAY_API_KEY } from '#contracts/services.js';

/** The gateway's settings, validated at start (a wrong value names the variable). */
export const gatewayConfigSchema = z.object({
  /**
   * The credential the merchant (Sales) presents as `Authorization: Bearer <key>`, like a
   * provider's secret API key. The embedded default is for `npm start` only.
   */
  GATEWAY_API_KEY: z.string().min(16, 'expected at least 16 characters').default(EMBEDDED_GATEWAY_API_KEY),
  /** Common's keys for operator tokens (default: Common's JWKS at COMMON_URL). */
  AUTH_JWKS_URL: z.url().optional(),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;

export const loadGatewayConfig = (source: Record<string, string | undefined>): GatewayConfig =>
  loadConfig(gatewayConfigSchema, source);
