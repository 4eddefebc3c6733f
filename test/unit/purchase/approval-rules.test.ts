import { describe, expect, it } from 'vitest';
import {
  decideApproval,
  decideRejection,
  priceLines,
  requiredRolesFor,
  type ApprovalState,
} from '#services/purchase/purchase-orders/rules.js';

const requester = 'requester';
const po = (over: Partial<ApprovalState> = {}): ApprovalState => ({
  status: 'submitted',
  requestedBy: requester,
  requiredRoles: ['manager', 'cfo'],
  approvals: [],
  ...over,
});

describe('purchase order approval rules', () => {
  it('needs the CFO only strictly above 50,000', () => {
    expect(requiredRolesFor('50000.00')).toEqual(['manager']);
    expect(requiredRolesFor('50000.01')).toEqual(['manager', 'cfo']);
    expect(requiredRolesFor('20000.00')).toEqual(['manager']);
  });

  it('prices lines exactly (no float drift) and refuses totals too large to store', () => {
    const priced = priceLines([
      { description: 'a', quantity: 3, unitPrice: '0.10' },
      { description: 'b', quantity: 7, unitPrice: '1234.57' },
    ]);
    expect(priced.amount).toBe('8642.29');
    expect(priced.lines.map((l) => l.amount)).toEqual(['0.30', '8641.99']);
    expect(() =>
      priceLines([{ description: 'x', quantity: 1_000_000, unitPrice: '999999999999.99' }]),
    ).toThrow(/too large/);
  });

  it('takes the manager first, then the CFO, each once, never the requester', () => {
    expect(decideApproval(po(), { userId: 'c', roles: ['cfo'] })).toMatchObject({ ok: false, status: 403 });
    expect(decideApproval(po(), { userId: requester, roles: ['manager'] })).toMatchObject({
      ok: false,
      status: 403,
      reason: expect.stringContaining('requester'),
    });
    expect(decideApproval(po(), { userId: 'm', roles: ['manager'] })).toEqual({
      ok: true,
      role: 'manager',
      final: false,
    });
    const managerDone = po({ approvals: [{ role: 'manager', userId: 'm' }] });
    // One person approves once, even holding both roles.
    expect(decideApproval(managerDone, { userId: 'm', roles: ['manager', 'cfo'] })).toMatchObject({
      ok: false,
      status: 403,
    });
    expect(decideApproval(managerDone, { userId: 'c', roles: ['cfo'] })).toEqual({
      ok: true,
      role: 'cfo',
      final: true,
    });
    expect(decideApproval(po({ requiredRoles: ['manager'] }), { userId: 'm', roles: ['manager'] })).toEqual({
      ok: true,
      role: 'manager',
      final: true,
    });
  });

  it('approves or rejects only what awaits approval', () => {
    for (const status of ['draft', 'approved', 'rejected', 'cancelled'] as const) {
      expect(decideApproval(po({ status }), { userId: 'm', roles: ['manager'] })).toMatchObject({
        status: 409,
      });
      expect(decideRejection(po({ status }), { userId: 'm', roles: ['manager'] })).toMatchObject({
        status: 409,
      });
    }
  });

  it('lets a pending approver reject, not the requester nor someone without a pending role', () => {
    expect(decideRejection(po(), { userId: 'c', roles: ['cfo'] })).toMatchObject({ ok: true, role: 'cfo' });
    expect(decideRejection(po(), { userId: requester, roles: ['manager'] })).toMatchObject({ status: 403 });
    expect(decideRejection(po(), { userId: 'a', roles: ['accountant'] })).toMatchObject({ status: 403 });
    const managerDone = po({ approvals: [{ role: 'manager', userId: 'm' }] });
    expect(decideRejection(managerDone, { userId: 'm2', roles: ['manager'] })).toMatchObject({ status: 403 });
  });
});
