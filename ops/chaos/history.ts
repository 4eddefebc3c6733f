/**
 * The client's own record of what it asked and what it was told: what the checker compares the
 * final state against. Only answers the client received count as accepted (a request that never
 * got an answer is recorded as unknown, and its effect may or may not exist).
 */
export type Flow =
  'invoices' | 'payments' | 'voids' | 'runs' | 'purchaseOrders' | 'bills' | 'salaryRuns' | 'signIns';

export interface CallRecord {
  flow: Flow;
  op: string;
  /** Final status (a number) or the network error of the last attempt. */
  status: number | string;
  attempts: number;
  /** From the first attempt to the last answer. */
  ms: number;
  at: number;
  /** A fault was active when the call started. */
  faultsOn: boolean;
  ok: boolean;
}

export interface InvoiceFact {
  key: string;
  invoiceId: string;
  customerId: string;
  amount: string;
  correlationId: string;
}

export interface PaymentFact {
  invoiceId: string;
  paymentId: string;
  paymentMethodId: string;
  /** What the POST answered: succeeded (201), pending (202), declined (402). */
  answered: 'succeeded' | 'pending' | 'declined';
  correlationId: string;
}

export interface VoidFact {
  invoiceId: string;
  correlationId: string;
}

export interface RunFact {
  runId: string;
  period: string;
}

export interface PurchaseOrderFact {
  purchaseOrderId: string;
  amount: string;
  /** Submit request's correlation id (approval-required mails), and the final approval's (approved mail). */
  submitCorrelationId: string;
  approvedCorrelationId?: string;
  approved: boolean;
}

export interface BillFact {
  billId: string;
  purchaseOrderId?: string;
  amount: string;
  correlationId: string;
}

export interface SalaryRunFact {
  salaryRunId: string;
  period: string;
  employees: number;
  postCorrelationId?: string;
  posted: boolean;
}

export interface PoisonFact {
  messageId: string;
  routingKey: string;
}

export interface History {
  calls: CallRecord[];
  customers: { id: string; email: string }[];
  invoices: InvoiceFact[];
  payments: PaymentFact[];
  voids: VoidFact[];
  runs: RunFact[];
  purchaseOrders: PurchaseOrderFact[];
  bills: BillFact[];
  salaryRuns: SalaryRunFact[];
  poison: PoisonFact[];
  signIns: number;
  /** Dead letters of the mail outage that the run replayed, as the switch's runbook says. */
  replayedAfterMailOutage: string[];
  /** Requests whose answer never came (their effect is unknown, so not checked as accepted). */
  unknown: { flow: Flow; op: string; key?: string }[];
}

export const emptyHistory = (): History => ({
  calls: [],
  customers: [],
  invoices: [],
  payments: [],
  voids: [],
  runs: [],
  purchaseOrders: [],
  bills: [],
  salaryRuns: [],
  poison: [],
  signIns: 0,
  replayedAfterMailOutage: [],
  unknown: [],
});
