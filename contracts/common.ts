import { z } from 'zod';
import { defineCommand, defineEvent, type PayloadOf } from '#platform/messaging/contract.js';
import type { Envelope } from '#platform/messaging/envelope.js';
import type { UserFeed } from '#platform/messaging/user-feed.js';
import { moneyString } from '#contracts/money.js';

/** Messages published by Common: identities, customers and ledger acknowledgements. */

export const OrganizationRegistered = defineEvent({
  type: 'common.organization-registered',
  version: 1,
  schema: z.object({
    organizationId: z.uuid(),
    name: z.string().min(1),
    companies: z.array(z.object({ companyId: z.uuid(), name: z.string().min(1) })),
    /** The IANA zone the organization keeps time in (monthly run, reminders); absent: Asia/Kolkata. */
    timeZone: z.string().min(1).max(64).optional(),
  }),
});

export const UserCreated = defineEvent({
  type: 'common.user-created',
  version: 1,
  schema: z.object({
    userId: z.uuid(),
    email: z.email(),
    name: z.string().min(1),
    roles: z.array(z.string().min(1)),
  }),
});

/**
 * The columns of a consumer's `user_replica` (plus `updated_at`), from a UserCreated: every service
 * that keeps users keeps the same copy, written with platform/data/replica.ts `upsertReplica`.
 */
export function userReplicaRow(m: Envelope<PayloadOf<typeof UserCreated>>) {
  const { userId, email, name, roles } = m.payload;
  return { id: userId, organization_id: m.organizationId, email, name, roles };
}

/** What a service declares to keep users (`ServiceDefinition.users`): the host does the rest. */
export const userFeed: UserFeed = {
  contract: UserCreated,
  row: (m) => userReplicaRow(m as Envelope<PayloadOf<typeof UserCreated>>),
};

const customerFacts = {
  customerId: z.uuid(),
  name: z.string().min(1),
  email: z.email(),
  /** What the customer owes (receivable); positive means they owe the society. */
  balance: moneyString,
};

export const CustomerCreated = defineEvent({
  type: 'common.customer-created',
  version: 1,
  schema: z.object(customerFacts),
});

/**
 * The customer's details changed (name, email), or their balance was set through Common's API.
 * Balance movements caused by `InvoiceCreated` / `PaymentReceived` are not announced again: those
 * facts are on the bus already.
 */
export const CustomerUpdated = defineEvent({
  type: 'common.customer-updated',
  version: 1,
  schema: z.object(customerFacts),
});

/** Posting kinds: one journal per (source document, posting kind). */
export const postingKindSchema = z.enum([
  'invoice',
  'invoice-void',
  'payment',
  'po-reservation',
  'po-reservation-reversal',
  'bill',
  'salary',
]);
export type PostingKind = z.infer<typeof postingKindSchema>;

/**
 * Common has written the journal for a source document: the source can show "posted". Routed by
 * posting kind (`common.ledger-posted.bill`): each source takes the acknowledgements of its own
 * documents only (Purchase no invoices', Sales no reversals').
 */
export const LedgerPosted = defineEvent({
  type: 'common.ledger-posted',
  version: 1,
  schema: z.object({
    referenceType: z.string().min(1),
    referenceId: z.uuid(),
    postingKind: postingKindSchema,
    journalId: z.uuid(),
  }),
  routing: { segments: postingKindSchema.options, of: (p) => p.postingKind },
});

/**
 * The organization of the platform's own messages and mails (sign-up links, the notice that
 * someone tried an address): none of the tenants' (the nil UUID, which no organization has).
 */
export const PLATFORM_ORGANIZATION_ID = '00000000-0000-0000-0000-000000000000';

/** Mail the person signing up the link that proves their address and creates the organization. */
export const SendSignUpLink = defineCommand({
  type: 'notification.send-sign-up-link',
  version: 1,
  target: 'notification',
  schema: z.object({
    email: z.email(),
    name: z.string().min(1),
    organizationName: z.string().min(1),
    link: z.url(),
    expiresAt: z.iso.datetime(),
  }),
});

/** Tell the owner of an address that someone tried to sign up with it (no link: nothing to click). */
export const SendSignUpAttempted = defineCommand({
  type: 'notification.send-sign-up-attempted',
  version: 1,
  target: 'notification',
  schema: z.object({
    email: z.email(),
    name: z.string().min(1),
    attemptedAt: z.iso.datetime(),
  }),
});
