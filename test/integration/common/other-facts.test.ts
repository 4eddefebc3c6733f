import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BillCreated,
  PaymentReceived,
  POApproved,
  PORejected,
  POSubmitted,
  SalaryPosted,
  SendPaymentReminder,
} from '#contracts/index.js';
import { DEMO_COMPANY, DEMO_ORGANIZATION, DEMO_RESIDENTS, DEMO_USERS } from '#contracts/demo.js';
import type { MessageContract, PayloadOf } from '#platform/messaging/contract.js';
import { messagingMetrics } from '#platform/messaging/metrics.js';
import { buildEnvelope } from '#platform/messaging/outbox-bus.js';
import { commandRoutingKey } from '#platform/messaging/envelope.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';
import { apiOf } from '../../support/api.js';
import { waitFor } from '../../support/wait.js';

const user = (role: string) => DEMO_USERS.find((u) => u.roles.includes(role as never))!;

/**
 * The facts of the other flows, published by hand as their services will publish them: Common
 * books each on the design's accounts (once), Notification mails the right people.
 */
describe('ledger postings and mail for payments, purchases and salaries (embedded)', () => {
  let system: TestSystem;
  let api: ReturnType<typeof apiOf>;
  let admin: string;

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'embedded', only: ['common', 'notification'] });
    api = apiOf(system);
    admin = await system.login('admin@demo.dhanman.local');
  });
  afterAll(async () => system?.stop());

  const publish = async <C extends MessageContract>(source: string, contract: C, payload: PayloadOf<C>) => {
    const envelope = buildEnvelope(source, contract, payload, {
      organizationId: DEMO_ORGANIZATION.id,
      companyId: DEMO_COMPANY.id,
      correlationId: `facts-${randomUUID()}`,
    });
    const command = contract.kind === 'command';
    await (
      await system.runtime.transport()
    ).publish([
      {
        exchange: command ? 'dhanman.commands' : 'dhanman.events',
        routingKey: command ? commandRoutingKey(contract.target!) : contract.type,
        messageId: envelope.messageId,
        body: JSON.stringify(envelope),
      },
    ]);
    return envelope;
  };

  const journalsOf = async (referenceId: string, count = 1) =>
    waitFor(`${count} journal(s) for ${referenceId}`, async () => {
      const res = await api('common', 'GET', `/api/ledger/journals?referenceId=${referenceId}`, {
        token: admin,
      });
      return res.body.items.length >= count ? res.body.items : undefined;
    });
  /** The message is handled (its inbox row committed) by `handler` of `service`. */
  const handled = (service: string, handler: string, messageId: string) =>
    waitFor(`${handler} handled ${messageId}`, async () => {
      const db = system.services.find((s) => s.name === service)!.db!;
      const { rows } = await db.query('SELECT 1 FROM inbox WHERE message_id = $1 AND handler = $2', [
        messageId,
        handler,
      ]);
      return rows.length > 0 ? true : undefined;
    });
  /** How often `handler` failed and went back through the retry ladder (this process's services). */
  const retriesOf = async (handler: string) =>
    (await messagingMetrics.consumed.get()).values
      .filter((v) => v.labels.handler === handler && v.labels.outcome === 'retry')
      .reduce((n, v) => n + v.value, 0);
  const lines = (j: { lines: Array<{ accountCode: string; debit: string; credit: string }> }) =>
    j.lines.map((l) => `${l.accountCode} ${l.debit}/${l.credit}`);
  const mailsTo = (to: string, n = 1) =>
    waitFor(`${n} mail(s) to ${to}`, async () => {
      const res = await api('notification', 'GET', `/api/emails?to=${encodeURIComponent(to)}`, {
        token: admin,
      });
      return res.body.items.length >= n ? res.body.items : undefined;
    });

  it('books a payment (Dr 1100 / Cr 1200), lowers the balance once, and sends a receipt', async () => {
    const resident = DEMO_RESIDENTS[1];
    const before = (await api('common', 'GET', `/api/customers/${resident.customerId}`, { token: admin }))
      .body.balance;
    const paymentId = randomUUID();
    const payload = {
      paymentId,
      invoiceId: randomUUID(),
      invoiceNumber: 'INV-203101-0042',
      customerId: resident.customerId,
      amount: '2500.00',
      transactionId: 'txn_123',
      paidAt: '2031-01-05T10:00:00.000Z',
    };
    await publish('sales', PaymentReceived, payload);
    const again = await publish('sales', PaymentReceived, payload); // the same fact again, as a new message
    const [journal] = await journalsOf(paymentId);
    expect(lines(journal)).toEqual(['1100 2500.00/0.00', '1200 0.00/2500.00']);
    const [receipt] = await mailsTo(resident.email);
    expect(receipt.subject).toBe('Payment received for invoice INV-203101-0042: ₹2,500.00');
    // Both services have handled the second message too: it changed nothing.
    await handled('common', 'common.ledger.payment-received', again.messageId);
    await handled('notification', 'notification.payments.payment-received', again.messageId);
    expect(
      (await api('common', 'GET', `/api/ledger/journals?referenceId=${paymentId}`, { token: admin })).body
        .items,
    ).toHaveLength(1);
    const after = (await api('common', 'GET', `/api/customers/${resident.customerId}`, { token: admin })).body
      .balance;
    expect(Number(after)).toBeCloseTo(Number(before) - 2500, 2);
    expect(await mailsTo(resident.email)).toHaveLength(1);
  });

  it('reserves budget on approval, reverses it when the bill arrives, and books the bill', async () => {
    const purchaseOrderId = randomUUID();
    const billId = randomUUID();
    const po = {
      purchaseOrderId,
      number: 'PO-203101-0007',
      vendorId: randomUUID(),
      vendorName: 'Sparkle Housekeeping Services',
      amount: '60000.00',
      requestedBy: user('manager').id,
    };
    // The bill first: Common waits (retries) for the approval it must reverse.
    const retriesBefore = await retriesOf('common.ledger.bill-created');
    await publish('purchase', BillCreated, {
      billId,
      number: 'BILL-7',
      vendorId: po.vendorId,
      amount: '59000.00',
      purchaseOrderId,
    });
    await waitFor('Common to retry the bill', async () =>
      (await retriesOf('common.ledger.bill-created')) > retriesBefore ? true : undefined,
    );
    await publish('purchase', POApproved, { ...po, approvedBy: user('cfo').id, comments: 'within budget' });
    const poJournals = await journalsOf(purchaseOrderId, 2);
    expect(poJournals.map((j: { postingKind: string }) => j.postingKind).sort()).toEqual([
      'po-reservation',
      'po-reservation-reversal',
    ]);
    const reservation = poJournals.find((j: { postingKind: string }) => j.postingKind === 'po-reservation');
    expect(lines(reservation)).toEqual(['5900 60000.00/0.00', '2100 0.00/60000.00']);
    const [bill] = await journalsOf(billId);
    expect(lines(bill)).toEqual(['5000 59000.00/0.00', '2100 0.00/59000.00']);
    expect(await retriesOf('common.ledger.bill-created')).toBeGreaterThan(retriesBefore);
    const statement = await api('common', 'GET', '/api/ledger/accounts/5900/statement', { token: admin });
    expect(statement.body.closingBalance).toBe('0.00');
    const approved = await mailsTo(user('manager').email);
    expect(approved[0].subject).toBe('Purchase order PO-203101-0007 approved');
  });

  it('mails every approver a PO needs, and the requester a rejection', async () => {
    const po = {
      purchaseOrderId: randomUUID(),
      number: 'PO-203101-0008',
      vendorId: randomUUID(),
      amount: '75000.00',
      requestedBy: user('accountant').id,
    };
    await publish('purchase', POSubmitted, { ...po, requiredRoles: ['manager', 'cfo'] });
    for (const role of ['manager', 'cfo']) {
      const mails = await waitFor(`approval mail to the ${role}`, async () => {
        const res = await api(
          'notification',
          'GET',
          `/api/emails?to=${user(role).email}&template=po-approval-required`,
          { token: admin },
        );
        return res.body.items.length > 0 ? res.body.items : undefined;
      });
      expect(mails[0].subject).toBe('Purchase order PO-203101-0008 requires your approval (₹75,000.00)');
    }
    await publish('purchase', PORejected, { ...po, rejectedBy: user('cfo').id, comments: 'too costly' });
    const [rejected] = await mailsTo(user('accountant').email);
    expect(rejected.subject).toBe('Purchase order PO-203101-0008 rejected');
  });

  it('books salaries (Dr 5100 / Cr 2200) and mails payslips to employees with an address', async () => {
    const salaryRunId = randomUUID();
    const email = `ramesh-${randomUUID().slice(0, 6)}@staff.example`;
    await publish('payroll', SalaryPosted, {
      salaryRunId,
      period: '2031-01',
      totalGross: '63000.00',
      totalDeductions: '0.00',
      totalNet: '63000.00',
      payslips: [
        {
          employeeId: randomUUID(),
          name: 'Ramesh Kumar',
          email,
          gross: '45000.00',
          deductions: '0.00',
          netPay: '45000.00',
        },
        {
          employeeId: randomUUID(),
          name: 'Sunita Devi',
          gross: '18000.00',
          deductions: '0.00',
          netPay: '18000.00',
        },
      ],
    });
    const [journal] = await journalsOf(salaryRunId);
    expect(lines(journal)).toEqual(['5100 63000.00/0.00', '2200 0.00/63000.00']);
    const [slip] = await mailsTo(email);
    expect(slip.subject).toBe('Your payslip for 2031-01 from Green Meadows Residents Society');
    const trial = await api('common', 'GET', '/api/ledger/trial-balance', { token: admin });
    expect(trial.body.balanced).toBe(true);
  });

  it('sends a payment reminder from its command', async () => {
    const resident = DEMO_RESIDENTS[2];
    await publish('sales', SendPaymentReminder, {
      invoiceId: randomUUID(),
      number: 'INV-203101-0099',
      customerId: resident.customerId,
      amount: '3200.00',
      dueDate: '2031-01-10',
    });
    const mails = await waitFor('the reminder', async () => {
      const res = await api(
        'notification',
        'GET',
        `/api/emails?to=${resident.email}&template=payment-reminder`,
        { token: admin },
      );
      return res.body.items.length > 0 ? res.body.items : undefined;
    });
    expect(mails[0].subject).toBe('Reminder: invoice INV-203101-0099 for ₹3,200.00 is due on 2031-01-10');
  });
});
