import { SERVICE_PORTS } from '#contracts/services.js';
import type { ServiceDefinition } from '#platform/host/service-definition.js';
import { gatewayRoutes } from './routes.js';

/**
 * A stand-in for a payment provider (in the embedded mode and the tests). It stands outside the
 * services: no database, no bus; a real provider plugs in behind Sales' gateway adapter.
 */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  port: SERVICE_PORTS.gateway,
  needs: { database: false, bus: false },
  routes: (app) => gatewayRoutes(app),
};
