import type { MessageContract } from '#platform/messaging/contract.js';
import * as common from '#contracts/common.js';
import * as community from '#contracts/community.js';
import * as payroll from '#contracts/payroll.js';
import * as purchase from '#contracts/purchase.js';
import * as sales from '#contracts/sales.js';

export * from '#contracts/common.js';
export * from '#contracts/community.js';
export * from '#contracts/payroll.js';
export * from '#contracts/purchase.js';
export * from '#contracts/sales.js';

const isContract = (value: unknown): value is MessageContract =>
  typeof value === 'object' && value !== null && 'upcasters' in value && 'schema' in value;

/** Every message type of the system, for the host's contract registry. */
export const allContracts: MessageContract[] = [common, community, payroll, purchase, sales].flatMap((m) =>
  Object.values(m).filter(isContract),
);
