import path from 'node:path';
import { SERVICE_PORTS } from '#contracts/services.js';
import { commonKeysVerifier } from '#platform/host/common-keys.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { gatewayAccess } from './access.js';
import { fileChargeLog, memoryChargeLog, type ChargeLog } from './charge-log.js';
import { loadGatewayConfig } from './config.js';
import { gatewayRoutes } from './routes.js';

/**
 * Where the charge book lives: `GATEWAY_DATA_FILE`, else `<DHANMAN_DATA_DIR>/gateway/charges.jsonl`;
 * in memory only when the data directory is `memory://` and no file is named.
 */
function chargeLogOf(env: Record<string, string | undefined>): ChargeLog {
  if (env.GATEWAY_DATA_FILE) return fileChargeLog(path.resolve(env.GATEWAY_DATA_FILE));
  const dir = env.DHANMAN_DATA_DIR ?? './.dhanman';
  return dir === 'memory://'
    ? memoryChargeLog()
    : fileChargeLog(path.resolve(dir, 'gateway', 'charges.jsonl'));
}

/**
 * A stand-in for a payment provider (in the embedded mode and the tests). It stands outside the
 * services: no database, no bus, a charge book of its own in a file; a real provider plugs in
 * behind Sales' gateway adapter. It answers only the merchant's API key and operators.
 */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  port: SERVICE_PORTS.gateway,
  needs: { database: false, bus: false },
  routes(app, deps) {
    const config = loadGatewayConfig(deps.env);
    const check = gatewayAccess(config.GATEWAY_API_KEY, commonKeysVerifier(deps, config.AUTH_JWKS_URL));
    gatewayRoutes(app, { chargeLog: chargeLogOf(deps.env), check });
  },
};
