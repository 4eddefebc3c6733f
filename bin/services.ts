import type { ServiceDefinition } from '../platform/host/service-definition.js';
import type { ServiceName } from '../contracts/services.js';

/** Every service, loaded on demand so a single-service process loads only its own code. */
export const SERVICE_LOADERS: Record<ServiceName, () => Promise<ServiceDefinition>> = {
  common: async () => (await import('../services/common/index.js')).commonService,
  community: async () => (await import('../services/community/index.js')).communityService,
  sales: async () => (await import('../services/sales/index.js')).salesService,
  purchase: async () => (await import('../services/purchase/index.js')).purchaseService,
  payroll: async () => (await import('../services/payroll/index.js')).payrollService,
  notification: async () => (await import('../services/notification/index.js')).notificationService,
  gateway: async () => (await import('../services/gateway/index.js')).gatewayService,
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
