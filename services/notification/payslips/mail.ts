import type { MailAttachment } from '../mail/sender.js';
import { formatMoney, type TemplateData } from '../templates/render.js';
import { renderPayslipPdf } from './pdf.js';

/** An employee's payslip mail: the template's facts and the PDF that goes with it. */
export async function payslipMail(
  organizationName: string,
  period: string,
  slip: { name: string; gross: string; deductions: string; netPay: string },
): Promise<{ data: Pick<TemplateData['payslip'], 'payslip'>; pdf: MailAttachment }> {
  const content = await renderPayslipPdf({
    organizationName,
    employeeName: slip.name,
    period,
    gross: slip.gross,
    deductions: slip.deductions,
    net: slip.netPay,
  });
  return {
    data: {
      payslip: {
        period,
        netPay: formatMoney(slip.netPay),
        gross: formatMoney(slip.gross),
        deductions: formatMoney(slip.deductions),
      },
    },
    pdf: { filename: `payslip-${period}.pdf`, contentType: 'application/pdf', content },
  };
}
