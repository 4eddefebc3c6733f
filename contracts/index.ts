import type { MessageContract } from '../platform/messaging/contract.js';
import * as common from './common.js';
import * as community from './community.js';
import * as payroll from './payroll.js';
import * as purchase from './purchase.js';
import * as sales from './sales.js';

export * from './common.js';
export * from './community.js';
export * from './payroll.js';
export * from './purchase.js';
export * from './sales.js';

const isContract = (value: unknown): value is MessageContract =>
  typeof value === 'object' && value !== null && 'upcasters' in value && 'schema' in value;

/** Every message type of the system, for the host's contract registry. */
export const allContracts: MessageContract[] = [common, community, payroll, purchase, sales].flatMap((m) =>
  Object.values(m).filter(isContract),
);
