import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEMO_EMPLOYEES, DEMO_ORGANIZATION, DEMO_VENDORS } from '#contracts/demo.js';
import type { ServiceName } from '#contracts/services.js';
import { pdfText } from '../../support/pdf-text.js';
import { waitFor } from '../../support/wait.js';
import { duplicatesOf, PurchaseFlow, user, type PurchaseFlowCase } from './fixture.js';
import { mailboxReader, signUpOrganization, sinkReader } from '../../support/sign-up.js';

const CASES: PurchaseFlowCase[] = [
  { name: 'RabbitMQ + PostgreSQL, SMTP', mode: 'distributed', smtp: true },
  { name: 'embedded default (PGlite, in-process, mailbox)', mode: 'embedded', smtp: false },
];

const vendor = DEMO_VENDORS[0];
const PERIOD = '2031-02';
const NUMBER = /^PO-\d{6}-\d{4}$/;

/**
 * Purchase orders with their two-level approval, bills and salary runs, end to end: Purchase and
 * Payroll publish, Common books and acknowledges, Notification mails (payslips with a PDF), on
 * RabbitMQ + PostgreSQL through a real SMTP server and on the embedded default.
 */
describe.each(CASES)('purchase and payroll flow on $name', (c) => {
  const f = PurchaseFlow.forTests(c);
  const t = (role: string) => f.tokens[role]!;
  let approvedPo = '';
  let rejectedPo = '';
  let secondManager = { id: '', email: '', token: '' };

  const draft = async (amountEach: string, quantity: number, token = t('accountant')) => {
    const res = await f.post('purchase', '/api/purchase-orders', token, {
      vendorId: vendor.id,
      items: [{ description: 'Housekeeping supplies', quantity, unitPrice: amountEach }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'draft', vendorName: vendor.name });
    expect(res.body.number).toMatch(NUMBER);
    return res.body as { id: string; number: string; amount: string; requiredRoles: string[] };
  };
  const submit = async (id: string, token = t('accountant')) => {
    const res = await f.post('purchase', `/api/purchase-orders/${id}/submit`, token, undefined, null);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const approve = (id: string, token: string, comments?: string) =>
    f.post('purchase', `/api/purchase-orders/${id}/approve`, token, comments ? { comments } : {}, null);

  it('a user created in Common reaches the replica of every service, and Purchase shows names from it', async () => {
    const email = `maya-${randomUUID().slice(0, 8)}@demo.dhanman.local`;
    const created = await f.post('common', '/api/users', t('admin'), {
      email,
      name: 'Maya Second Manager',
      roles: ['manager'],
      password: 'second-manager-pass',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const services: ServiceName[] = ['community', 'sales', 'purchase', 'payroll', 'notification'];
    for (const service of services) {
      await waitFor(`the new user in ${service}'s replica`, async () => {
        const n = await f.count(
          service,
          `SELECT count(*) AS n FROM user_replica WHERE id = $1 AND name = 'Maya Second Manager' AND 'manager' = ANY(roles)`,
          [created.body.id],
        );
        return n === 1;
      });
    }
    secondManager = { id: created.body.id, email, token: await f.system.login(email, 'second-manager-pass') };
  });

  it('PO of 20,000: submitted, the managers are mailed, a manager approves, Common reserves the budget, the requester is mailed', async () => {
    const po = await draft('5000.00', 4);
    expect(po).toMatchObject({ amount: '20000.00', requiredRoles: ['manager'] });
    const submitted = await submit(po.id);
    expect(submitted).toMatchObject({ status: 'submitted', requiredRoles: ['manager'] });

    const [request] = await f.waitForMails(user('manager').email, 'po-approval-required', po.number);
    expect(request!.subject).toBe(`Purchase order ${po.number} requires your approval (₹20,000.00)`);
    expect(request!.text).toContain('Arjun Accountant');
    await f.waitForMails(secondManager.email, 'po-approval-required', po.number);
    // The same handler mailed every manager at once; the CFO's role is not needed for this amount.
    expect(
      (await f.mailsTo(user('cfo').email, 'po-approval-required')).filter((m) =>
        m.subject.includes(po.number),
      ),
    ).toEqual([]);

    const approved = await approve(po.id, t('manager'), 'Go ahead, within budget');
    expect(approved.status, JSON.stringify(approved.body)).toBe(200);
    expect(approved.body).toMatchObject({
      status: 'approved',
      requestedBy: user('accountant').id,
      requestedByName: 'Arjun Accountant',
      approvals: [
        {
          role: 'manager',
          userId: user('manager').id,
          userName: 'Meera Manager',
          comments: 'Go ahead, within budget',
        },
      ],
    });

    const shown = await waitFor('budgetReserved', async () => {
      const res = await f.get('purchase', `/api/purchase-orders/${po.id}`);
      return res.body.budgetReserved ? res.body : undefined;
    });
    expect(shown.status).toBe('approved');
    expect(await f.journals(po.id)).toEqual([
      { postingKind: 'po-reservation', lines: ['5900 Dr 20000.00 Cr 0.00', '2100 Dr 0.00 Cr 20000.00'] },
    ]);
    const [decision] = await f.waitForMails(user('accountant').email, 'po-approved', po.number);
    expect(decision!.subject).toBe(`Purchase order ${po.number} approved`);
    expect(decision!.text).toContain('Meera Manager');
    expect(decision!.text).toContain('Go ahead, within budget');
    approvedPo = po.id;
  });

  it('PO of 75,000: the manager, then the CFO; the CFO first and the requester are refused; one POApproved, one reservation', async () => {
    const po = await draft('25000.00', 3);
    expect(po).toMatchObject({ amount: '75000.00', requiredRoles: ['manager', 'cfo'] });
    await submit(po.id);

    const cfoFirst = await approve(po.id, t('cfo'));
    expect(cfoFirst.status).toBe(403);
    expect(cfoFirst.body.detail).toContain('manager');
    expect((await approve(po.id, t('accountant'))).status).toBe(403);

    const first = await approve(po.id, t('manager'));
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'submitted', approvals: [{ role: 'manager' }] });
    // One person approves once, even holding a second role's permission.
    expect((await approve(po.id, t('manager'))).status).toBe(403);
    const second = await approve(po.id, t('cfo'), 'Approved for Q1');
    expect(second.status).toBe(200);
    expect(second.body.status).toBe('approved');
    expect(
      second.body.approvals.map((a: { role: string; userName: string }) => [a.role, a.userName]),
    ).toEqual([
      ['manager', 'Meera Manager'],
      ['cfo', 'Chetan CFO'],
    ]);
    expect((await approve(po.id, t('cfo'))).status).toBe(409);

    await waitFor(
      'budgetReserved',
      async () => (await f.get('purchase', `/api/purchase-orders/${po.id}`)).body.budgetReserved,
    );
    expect(
      await f.count(
        'purchase',
        `SELECT count(*) AS n FROM outbox WHERE type = 'purchase.po-approved' AND body::jsonb -> 'payload' ->> 'purchaseOrderId' = $1`,
        [po.id],
      ),
    ).toBe(1);
    expect((await f.journals(po.id)).map((j) => j.postingKind)).toEqual(['po-reservation']);

    // The requester cannot approve their own order, whatever roles they hold.
    const own = await draft('1000.00', 1, secondManager.token);
    await submit(own.id, secondManager.token);
    const self = await approve(own.id, secondManager.token);
    expect(self.status).toBe(403);
    expect(self.body.detail).toContain('requester');
    expect((await approve(own.id, t('manager'))).body.status).toBe('approved');
  });

  it('a rejection needs comments, is mailed to the requester with them, and books nothing', async () => {
    const po = await draft('2500.00', 2);
    await submit(po.id);
    const bare = await f.post('purchase', `/api/purchase-orders/${po.id}/reject`, t('manager'), {}, null);
    expect(bare.status).toBe(400);
    expect((await f.get('purchase', `/api/purchase-orders/${po.id}`)).body.status).toBe('submitted');

    const rejected = await f.post(
      'purchase',
      `/api/purchase-orders/${po.id}/reject`,
      t('manager'),
      { comments: 'Get three quotations first' },
      null,
    );
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({
      status: 'rejected',
      rejection: {
        userId: user('manager').id,
        userName: 'Meera Manager',
        comments: 'Get three quotations first',
      },
    });
    const [mail] = await f.waitForMails(user('accountant').email, 'po-rejected', po.number);
    expect(mail!.subject).toBe(`Purchase order ${po.number} rejected`);
    expect(mail!.text).toContain('Get three quotations first');
    expect(await f.journals(po.id)).toEqual([]);
    expect((await approve(po.id, t('manager'))).status).toBe(409);
    rejectedPo = po.id;
  });

  it('a bill for the approved PO releases the reservation and books the expense; one for a rejected PO is refused', async () => {
    const billFor = (amount: string) =>
      f.post('purchase', '/api/bills', t('accountant'), {
        vendorId: vendor.id,
        amount,
        dueDate: '2031-03-15',
        purchaseOrderId: approvedPo,
      });
    const over = await billFor('20000.01');
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ amount: '20000.01', remaining: '20000.00' });
    // Two bills at once for the order: its row lock decides them in turn, one bill only.
    const both = await Promise.all([billFor('19500.00'), billFor('19500.00')]);
    expect(both.map((r) => r.status).sort(), JSON.stringify(both.map((r) => r.body))).toEqual([201, 409]);
    const bill = both.find((r) => r.status === 201)!;
    expect(bill.body.number).toMatch(/^BILL-\d{6}-\d{4}$/);
    expect(bill.body.status).toBe('open');
    await waitFor(
      'the bill posted',
      async () => (await f.get('purchase', `/api/bills/${bill.body.id}`)).body.posted,
    );
    expect(await f.journals(approvedPo)).toEqual([
      { postingKind: 'po-reservation', lines: ['5900 Dr 20000.00 Cr 0.00', '2100 Dr 0.00 Cr 20000.00'] },
      {
        postingKind: 'po-reservation-reversal',
        lines: ['2100 Dr 20000.00 Cr 0.00', '5900 Dr 0.00 Cr 20000.00'],
      },
    ]);
    expect(await f.journals(bill.body.id)).toEqual([
      { postingKind: 'bill', lines: ['5000 Dr 19500.00 Cr 0.00', '2100 Dr 0.00 Cr 19500.00'] },
    ]);
    const trial = await f.get('common', '/api/ledger/trial-balance');
    expect(trial.body.balanced).toBe(true);
    expect(trial.body.totalDebit).toBe(trial.body.totalCredit);

    const again = await f.post('purchase', '/api/bills', t('accountant'), {
      vendorId: vendor.id,
      amount: '10.00',
      dueDate: '2031-03-15',
      purchaseOrderId: approvedPo,
    });
    expect(again.status).toBe(409);
    const forRejected = await f.post('purchase', '/api/bills', t('accountant'), {
      vendorId: vendor.id,
      amount: '5000.00',
      dueDate: '2031-03-15',
      purchaseOrderId: rejectedPo,
    });
    expect(forRejected.status).toBe(409);
    expect(
      await f.count('purchase', 'SELECT count(*) AS n FROM bill WHERE purchase_order_id = $1', [rejectedPo]),
    ).toBe(0);
  });

  it('a salary run pays three employees to the paisa, posts one balanced journal and mails each a PDF payslip', async () => {
    const created = await f.post('payroll', '/api/salary-runs', t('accountant'), { period: PERIOD });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({
      period: PERIOD,
      status: 'draft',
      posted: false,
      totalGross: '85000.00',
      totalDeductions: '8450.75',
      totalNet: '76549.25',
    });
    const net = (id: string) =>
      created.body.payslips.find((p: { employeeId: string }) => p.employeeId === id);
    expect(net(DEMO_EMPLOYEES[0].id)).toMatchObject({
      gross: '45000.00',
      deductions: '5400.00',
      net: '39600.00',
    });
    expect(net(DEMO_EMPLOYEES[1].id)).toMatchObject({
      gross: '22000.00',
      deductions: '1850.50',
      net: '20149.50',
    });
    expect(net(DEMO_EMPLOYEES[2].id)).toMatchObject({
      gross: '18000.00',
      deductions: '1200.25',
      net: '16799.75',
    });

    const twice = await f.post('payroll', '/api/salary-runs', t('accountant'), { period: PERIOD });
    expect(twice.status).toBe(409);

    const posted = await f.post(
      'payroll',
      `/api/salary-runs/${created.body.id}/post`,
      t('accountant'),
      undefined,
      null,
    );
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    expect(posted.body.status).toBe('posted');
    await waitFor(
      'the run acknowledged',
      async () => (await f.get('payroll', `/api/salary-runs/${created.body.id}`)).body.posted,
    );
    expect(await f.journals(created.body.id)).toEqual([
      {
        postingKind: 'salary',
        lines: ['5100 Dr 85000.00 Cr 0.00', '2200 Dr 0.00 Cr 76549.25', '2300 Dr 0.00 Cr 8450.75'],
      },
    ]);
    expect((await f.get('common', '/api/ledger/trial-balance')).body.balanced).toBe(true);

    const expected = [
      [DEMO_EMPLOYEES[0], 'INR 45,000.00', 'INR 5,400.00', 'INR 39,600.00'],
      [DEMO_EMPLOYEES[1], 'INR 22,000.00', 'INR 1,850.50', 'INR 20,149.50'],
      [DEMO_EMPLOYEES[2], 'INR 18,000.00', 'INR 1,200.25', 'INR 16,799.75'],
    ] as const;
    for (const [employee, gross, deductions, netPay] of expected) {
      const [mail] = await f.waitForMails(employee.email, 'payslip', PERIOD);
      expect(mail!.attachments).toHaveLength(1);
      const pdf = mail!.attachments[0]!;
      expect(pdf).toMatchObject({ filename: `payslip-${PERIOD}.pdf`, contentType: 'application/pdf' });
      const text = await pdfText(pdf.content);
      for (const fact of [DEMO_ORGANIZATION.name, employee.name, PERIOD, gross, deductions, netPay]) {
        expect(text).toContain(fact);
      }
      const listed = await f.get('notification', `/api/emails?to=${employee.email}&template=payslip`);
      expect(listed.body.items[0].attachments).toEqual([
        { filename: `payslip-${PERIOD}.pdf`, contentType: 'application/pdf', size: pdf.content.length },
      ]);
    }
    expect(
      (await f.post('payroll', `/api/salary-runs/${created.body.id}/post`, t('accountant'), undefined, null))
        .status,
    ).toBe(409);
  });

  it("another organization's token sees none of these records and cannot approve them", async () => {
    const po = await draft('100.00', 1);
    await submit(po.id);
    const admin = {
      email: `admin-${randomUUID().slice(0, 8)}@other.test`,
      name: 'Olga Other',
      password: 'other-society-pass',
    };
    await signUpOrganization(
      f.system,
      { name: 'Other Society', companyName: 'Other Maintenance', admin },
      f.flowCase.smtp ? sinkReader(f.sink) : mailboxReader(f.system),
    );
    const other = await f.system.login(admin.email, admin.password);
    expect((await f.get('purchase', `/api/purchase-orders/${po.id}`, other)).status).toBe(404);
    expect((await approve(po.id, other)).status).toBe(404);
    expect((await f.get('purchase', '/api/purchase-orders', other)).body.items).toEqual([]);
    expect((await f.get('purchase', '/api/vendors', other)).body.items).toEqual([]);
    expect((await f.get('payroll', '/api/salary-runs', other)).body.items).toEqual([]);
    expect((await f.get('purchase', `/api/purchase-orders/${po.id}`)).body.status).toBe('submitted');
  });

  it('changes nothing when each new event is delivered again: one journal, one mail', async () => {
    const types = [
      'purchase.po-submitted',
      'purchase.po-approved',
      'purchase.po-rejected',
      'purchase.bill-created',
      'payroll.salary-posted',
    ];
    const handlers = [
      'notification.purchase-orders.po-submitted',
      'common.ledger.po-approved',
      'notification.purchase-orders.po-approved',
      'notification.purchase-orders.po-rejected',
      'common.ledger.bill-created',
      'common.ledger.salary-posted',
      'notification.payslips.salary-posted',
    ];
    const rows = [
      ...(
        await f
          .db('purchase')
          .query<{ type: string; message_id: string; body: string }>(
            `SELECT type, message_id, body FROM outbox WHERE type = ANY($1)`,
            [types],
          )
      ).rows,
      ...(
        await f
          .db('payroll')
          .query<{ type: string; message_id: string; body: string }>(
            `SELECT type, message_id, body FROM outbox WHERE type = ANY($1)`,
            [types],
          )
      ).rows,
    ];
    expect(new Set(rows.map((r) => r.type))).toEqual(new Set(types));
    const journalsBefore = await f.count('common', 'SELECT count(*) AS n FROM journal');
    const mailsBefore = await f.count('notification', 'SELECT count(*) AS n FROM outgoing_email');
    const before = Object.fromEntries(
      await Promise.all(handlers.map(async (h) => [h, await duplicatesOf(h)])),
    );
    const transport = await f.system.runtime.transport();
    await transport.publish(
      rows.map((r) => ({
        exchange: 'dhanman.events',
        routingKey: r.type,
        messageId: r.message_id,
        body: r.body,
      })),
    );
    await waitFor('every consumer to recognise its redelivered messages', async () => {
      for (const h of handlers) if ((await duplicatesOf(h)) <= before[h]) return false;
      return true;
    });
    expect(await f.count('common', 'SELECT count(*) AS n FROM journal')).toBe(journalsBefore);
    expect(await f.count('notification', 'SELECT count(*) AS n FROM outgoing_email')).toBe(mailsBefore);
    expect((await f.get('common', '/api/ledger/trial-balance')).body.balanced).toBe(true);
  });
});
