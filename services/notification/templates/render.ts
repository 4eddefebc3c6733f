import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

/**
 * The mail templates (handlebars files beside this module): a subject, an HTML part inside the
 * shared layout, and a plain-text part. HTML is escaped; subject and text are not (they are not HTML).
 */
export const TEMPLATE_NAMES = [
  'invoice-created',
  'payment-receipt',
  'payment-reminder',
  'po-approval-required',
  'po-approved',
  'po-rejected',
  'payslip',
  'sign-up-link',
  'sign-up-attempted',
] as const;
export type TemplateName = (typeof TEMPLATE_NAMES)[number];

interface Common {
  organizationName: string;
  recipientName: string;
}
interface InvoiceFacts {
  number: string;
  amount: string;
  dueDate: string;
  issueDate?: string;
}
interface PoFacts {
  number: string;
  amount: string;
  vendorName?: string | undefined;
  requestedByName?: string;
  requiredRoles?: string[];
  decidedByName?: string;
  comments?: string | undefined;
}

/** What each template needs; amounts arrive already formatted for people (see formatMoney). */
export interface TemplateData {
  'invoice-created': Common & { invoice: InvoiceFacts };
  'payment-reminder': Common & { invoice: InvoiceFacts };
  'payment-receipt': Common & {
    payment: { invoiceNumber: string; amount: string; transactionId: string; paidAt: string };
  };
  'po-approval-required': Common & { po: PoFacts };
  'po-approved': Common & { po: PoFacts };
  'po-rejected': Common & { po: PoFacts };
  payslip: Common & { payslip: { period: string; netPay: string; gross?: string; deductions?: string } };
  'sign-up-link': Common & { signUp: { organizationName: string; link: string; expiresAt: string } };
  'sign-up-attempted': Common & { attempt: { at: string } };
}

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

const hb = Handlebars.create();
hb.registerHelper('join', (list: unknown, sep: unknown) =>
  Array.isArray(list) ? list.join(typeof sep === 'string' ? sep : ', ') : '',
);

const read = (file: string) => readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');

// Compiled here like the templates: registered as text, handlebars would compile it at the first
// mail (once, but on a handler's time).
hb.registerPartial('layout', hb.compile(read('layout.html.hbs')));

type Compiled = {
  subject: HandlebarsTemplateDelegate;
  html: HandlebarsTemplateDelegate;
  text: HandlebarsTemplateDelegate;
};

const compiled = new Map<TemplateName, Compiled>(
  TEMPLATE_NAMES.map((name) => [
    name,
    {
      subject: hb.compile(read(`${name}.subject.hbs`).trim(), { noEscape: true, strict: true }),
      html: hb.compile(read(`${name}.html.hbs`), { strict: false }),
      text: hb.compile(read(`${name}.text.hbs`), { noEscape: true, strict: false }),
    },
  ]),
);

export function renderMail<N extends TemplateName>(name: N, data: TemplateData[N]): RenderedMail {
  const t = compiled.get(name);
  if (!t) throw new Error(`no mail template named ${name}`);
  // A subject is one line: a newline in data must not start a header.
  const subject = t
    .subject(data)
    .replace(/[\r\n]+/g, ' ')
    .trim();
  return { subject, html: t.html({ ...data, subject }), text: t.text(data) };
}

/** Money for people: "₹2,500.00" with Indian digit grouping, exact from the decimal string. */
const formats = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: string, currency = 'INR'): string {
  let format = formats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-IN', { style: 'currency', currency, minimumFractionDigits: 2 });
    formats.set(currency, format);
  }
  // Intl formats a decimal string exactly (no float on the way).
  return format.format(amount as unknown as number);
}
