import { only, type MessageContract } from '#platform/messaging/contract.js';
import { topologyFor } from '#platform/messaging/subscriptions.js';
import type { ServiceTopology } from '#platform/messaging/transport.js';
import {
  CustomerCreated,
  CustomerUpdated,
  LedgerPosted,
  OrganizationRegistered,
  SendSignUpAttempted,
  SendSignUpLink,
  UserCreated,
} from '#contracts/common.js';
import { SalaryPosted } from '#contracts/payroll.js';
import { BillCreated, POApproved, POSubmitted, PORejected } from '#contracts/purchase.js';
import {
  InvoiceCreated,
  InvoiceVoided,
  PaymentReceived,
  SendInvoiceEmail,
  SendPaymentReminder,
} from '#contracts/sales.js';
import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';

/**
 * What each service receives (the design's table, section 1). Every service declares all of these
 * queues when it starts, so an event published before its consumer has ever run waits in the
 * consumer's queue; RabbitMQ would drop it for want of a binding. Each service's line must match
 * its handlers: the host refuses to start a service that drifted from it. A service takes the
 * ledger's acknowledgements of its own documents only (`only`: the posting kinds it handles).
 */
export const SUBSCRIPTIONS: Record<ServiceName, readonly MessageContract[]> = {
  common: [InvoiceCreated, InvoiceVoided, PaymentReceived, POApproved, BillCreated, SalaryPosted],
  community: [UserCreated],
  sales: [only(LedgerPosted, 'invoice'), OrganizationRegistered, UserCreated],
  purchase: [UserCreated, only(LedgerPosted, 'po-reservation', 'bill')],
  payroll: [UserCreated, only(LedgerPosted, 'salary')],
  notification: [
    OrganizationRegistered,
    UserCreated,
    CustomerCreated,
    CustomerUpdated,
    InvoiceCreated,
    PaymentReceived,
    POSubmitted,
    POApproved,
    PORejected,
    SalaryPosted,
    SendInvoiceEmail,
    SendPaymentReminder,
    SendSignUpLink,
    SendSignUpAttempted,
  ],
  gateway: [],
};

/** The table as queues and bindings, for services that receive anything. */
export const SERVICE_SUBSCRIPTIONS: readonly ServiceTopology[] = SERVICE_NAMES.map((name) =>
  topologyFor(name, SUBSCRIPTIONS[name]),
).filter((t) => t.eventTypes.length > 0 || t.commands);
