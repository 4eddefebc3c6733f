/** The services of Dhanman and their default HTTP ports (the design's port table). */
export const SERVICE_PORTS = {
  common: 5001,
  community: 5002,
  sales: 5003,
  purchase: 5004,
  payroll: 5005,
  notification: 5006,
  gateway: 5009,
} as const;

export type ServiceName = keyof typeof SERVICE_PORTS;
export const SERVICE_NAMES = Object.keys(SERVICE_PORTS) as ServiceName[];

/**
 * The embedded default of `GATEWAY_API_KEY`, the credential Sales presents to the payment gateway
 * and the gateway accepts. Only the embedded mode may run with it: a deployment sets its own.
 */
export const EMBEDDED_GATEWAY_API_KEY = 'dhanman-embedded-gateway-key';
