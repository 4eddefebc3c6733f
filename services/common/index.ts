import { ensureSigningKeys } from './auth/keys.js';
import { meetsOwaspMinimum } from './auth/passwords.js';
import { ConfigError } from '#platform/config/env.js';
import { dbSigningKeyStore } from './auth/db-key-store.js';
import { createServiceTokenIssuer } from './auth/service-token-issuer.js';
import { createTokenSigner } from './auth/signer.js';
import { loadSqlMigrations } from '#platform/data/migrate.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { SERVICE_PORTS } from '#contracts/services.js';
import { KEY_ENCRYPTION_KEY_VARIABLE, loadAuthConfig } from './auth/config.js';
import { authRoutes } from './auth/routes.js';
import { serviceClients } from './auth/service-clients.js';
import { customerLookupRoute } from './customers/lookup.js';
import { customerRoutes } from './customers/routes.js';
import { ledgerHandlers } from './ledger/handlers.js';
import { ledgerRoutes } from './ledger/routes.js';
import { brokenInvoiceBalance } from './ledger/test-hooks.js';
import { organizationRoutes } from './organizations/routes.js';
import { seedCommon } from './seed.js';

/**
 * Common: organizations, users and tokens (issuer and JWKS), customers with their balances, the
 * chart of accounts and the double-entry ledger fed by every business fact.
 */
export const commonService: ServiceDefinition = {
  name: 'common',
  port: SERVICE_PORTS.common,
  migrations: loadSqlMigrations(new URL('./migrations/', import.meta.url)),
  async routes(app, deps) {
    const config = loadAuthConfig(deps.env);
    const store = dbSigningKeyStore(deps.db, {
      ...(config.AUTH_KEY_ENCRYPTION_KEY ? { encryptionKey: config.AUTH_KEY_ENCRYPTION_KEY } : {}),
      encryptionKeyName: KEY_ENCRYPTION_KEY_VARIABLE,
    });
    if (deps.db.kind === 'postgres' && !meetsOwaspMinimum(config.PASSWORD_HASH_COST)) {
      throw new ConfigError([
        'PASSWORD_HASH_COST: below OWASP’s minimum (ln=17,r=8,p=1); only the embedded mode may go lower',
      ]);
    }
    if (!config.AUTH_KEY_ENCRYPTION_KEY && deps.db.kind === 'postgres') {
      deps.log.warn(
        `signing keys are stored in the clear: set ${KEY_ENCRYPTION_KEY_VARIABLE} to seal them (openssl rand -base64 32)`,
      );
    }
    const keys = await ensureSigningKeys(store, {
      maxTokenTtlSeconds: Math.max(config.ACCESS_TOKEN_TTL_SECONDS, config.SERVICE_TOKEN_TTL_SECONDS),
    });
    const signer = createTokenSigner({
      keys,
      issuer: deps.auth.issuer,
      audience: deps.auth.audience,
      accessTokenTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    });
    const serviceTokens = createServiceTokenIssuer({
      signer,
      clients: serviceClients(deps.auth.clientSecretOf),
      ttlSeconds: config.SERVICE_TOKEN_TTL_SECONDS,
    });
    authRoutes(app, { db: deps.db, keys, signer, serviceTokens, config });
    organizationRoutes(app, deps);
    customerRoutes(app, deps);
    customerLookupRoute(app, deps.db);
    ledgerRoutes(app, deps);
  },
  handlers: (deps) => ledgerHandlers(deps.bus, { brokenInvoiceBalance: brokenInvoiceBalance(deps.env) }),
  seed: (deps) => {
    const config = loadAuthConfig(deps.env);
    return seedCommon(deps.db, deps.bus, config.DHANMAN_DEMO_PASSWORD, config.PASSWORD_HASH_COST);
  },
};
