import { z } from 'zod';
import type { Customer } from './store.js';

/** A customer as the API shows it. */
export const customerSchema = z.object({
  id: z.uuid(),
  companyId: z.uuid(),
  name: z.string(),
  email: z.string(),
  balance: z.string().describe('What the customer owes, a decimal string with 2 decimals'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export type CustomerView = z.infer<typeof customerSchema>;

export const customerView = (c: Customer): CustomerView => ({
  id: c.id,
  companyId: c.companyId,
  name: c.name,
  email: c.email,
  balance: c.balance,
  createdAt: c.createdAt,
  updatedAt: c.updatedAt,
});
