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
