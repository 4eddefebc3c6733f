import { z } from 'zod';
import { defineEvent } from '#platform/messaging/contract.js';
import { moneyString } from '#contracts/money.js';

export const ResidentRegistered = defineEvent({
  type: 'community.resident-registered',
  version: 1,
  schema: z.object({
    residentId: z.uuid(),
    customerId: z.uuid(),
    unitCode: z.string().min(1),
    name: z.string().min(1),
    email: z.email(),
    monthlyCharges: moneyString,
  }),
});
