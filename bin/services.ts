import { ConfigError } from '#platform/config/env.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';

/** `value` as a service name, or a ConfigError naming `label` and the names there are. */
export function serviceNameOf(value: string | undefined, label: string): ServiceName {
  if (value !== undefined && SERVICE_NAMES.includes(value as ServiceName)) return value as ServiceName;
  throw new ConfigError([
    `${label}: expected one of ${SERVICE_NAMES.join(', ')} (got ${JSON.stringify(value ?? '')})`,
  ]);
}

/** Every service, loaded on demand so a single-service process loads only its own code. */
export const SERVICE_LOADERS: Record<ServiceName, () => Promise<ServiceDefinition>> = {
  common: async () => (await import('#services/common/index.js')).commonService,
  community: async () => (await import('#services/community/index.js')).communityService,
  sales: async () => (await import('#services/sales/index.js')).salesService,
  purchase: async () => (await import('#services/purchase/index.js')).purchaseService,
  payroll: async () => (await import('#services/payroll/index.js')).payrollService,
  notification: async () => (await import('#services/notification/index.js')).notificationService,
  gateway: async () => (await import('#services/gateway/index.js')).gatewayService,
};

/** Start order: the gateway and Common first (Common serves the JWKS every other service verifies with). */
export const START_ORDER: ServiceName[] = [
  'gateway',
  'common',
  'community',
  'sales',
  'purchase',
  'payroll',
  'notification',
];
