import type { MessageContract } from '#platform/messaging/contract.js';
import { SendSignUpAttempted, SendSignUpLink } from '#contracts/common.js';
import { SendInvoiceEmail, SendPaymentReminder } from '#contracts/sales.js';
import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';

/**
 * Who sends each command, for the AsyncAPI document. Events need no table: a service publishes the
 * events its name prefixes (`sales.invoice-created` by sales). A test reads the services' code and
 * fails when a service sends a command this table does not list.
 */
export const COMMAND_SENDERS: Partial<Record<ServiceName, readonly MessageContract[]>> = {
  sales: [SendInvoiceEmail, SendPaymentReminder],
  common: [SendSignUpLink, SendSignUpAttempted],
};

/** The service that publishes an event: the first part of its type, when that names a service. */
export function ownerOf(type: string): ServiceName | undefined {
  const prefix = type.split('.')[0];
  return SERVICE_NAMES.find((s) => s === prefix);
}
