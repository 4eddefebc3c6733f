import { describe, expect, it } from 'vitest';
import { computePayslips } from '#services/payroll/salary-runs/payslips.js';

describe('payslips', () => {
  it('computes net = gross - deductions and totals to the paisa', () => {
    const run = computePayslips([
      { id: 'a', name: 'A', email: null, monthlyGross: '0.10', monthlyDeductions: '0.00' },
      { id: 'b', name: 'B', email: null, monthlyGross: '0.20', monthlyDeductions: '0.01' },
      { id: 'c', name: 'C', email: 'c@x.test', monthlyGross: '33333.33', monthlyDeductions: '3333.34' },
    ]);
    expect(run.payslips.map((p) => p.net)).toEqual(['0.10', '0.19', '29999.99']);
    expect(run).toMatchObject({ totalGross: '33333.63', totalDeductions: '3333.35', totalNet: '30000.28' });
  });

  it('refuses deductions above the gross pay', () => {
    expect(() =>
      computePayslips([
        { id: 'a', name: 'A', email: null, monthlyGross: '100.00', monthlyDeductions: '100.01' },
      ]),
    ).toThrow(RangeError);
  });
});
