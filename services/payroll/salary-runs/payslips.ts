import { Decimal } from 'decimal.js';

export interface Payslip {
  employeeId: string;
  name: string;
  email: string | null;
  gross: string;
  deductions: string;
  net: string;
}

export interface RunTotals {
  totalGross: string;
  totalDeductions: string;
  totalNet: string;
}

/**
 * A payslip per employee (net = gross - deductions) and the run's totals, in exact decimals:
 * every figure is whole paise, so the totals add up to the paisa and the journal balances.
 */
export function computePayslips(
  employees: ReadonlyArray<{
    id: string;
    name: string;
    email: string | null;
    monthlyGross: string;
    monthlyDeductions: string;
  }>,
): { payslips: Payslip[] } & RunTotals {
  let gross = new Decimal(0);
  let deductions = new Decimal(0);
  const payslips = employees.map((e) => {
    const g = new Decimal(e.monthlyGross);
    const d = new Decimal(e.monthlyDeductions);
    if (d.isNegative() || d.greaterThan(g)) throw new RangeError(`deductions of ${e.name} are out of range`);
    gross = gross.plus(g);
    deductions = deductions.plus(d);
    return {
      employeeId: e.id,
      name: e.name,
      email: e.email,
      gross: g.toFixed(2),
      deductions: d.toFixed(2),
      net: g.minus(d).toFixed(2),
    };
  });
  return {
    payslips,
    totalGross: gross.toFixed(2),
    totalDeductions: deductions.toFixed(2),
    totalNet: gross.minus(deductions).toFixed(2),
  };
}
