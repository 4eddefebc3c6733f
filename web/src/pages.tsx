import type { Session } from './api';
import { hasPermission, type PageDef } from './router';
import { Bills } from './pages/Bills';
import { Dashboard } from './pages/Dashboard';
import { InvoiceDetail } from './pages/InvoiceDetail';
import { InvoiceRuns } from './pages/InvoiceRuns';
import { Invoices } from './pages/Invoices';
import { Ledger } from './pages/Ledger';
import { Mailbox } from './pages/Mailbox';
import { Operations } from './pages/Operations';
import { PaymentDetail } from './pages/Payment';
import { PurchaseOrderDetail, PurchaseOrders } from './pages/PurchaseOrders';
import { Receipt, ResidentHome } from './pages/ResidentHome';
import { SalaryRuns } from './pages/SalaryRuns';
import { Statement } from './pages/Statement';
import { Timeline } from './pages/Timeline';

/** A resident without a staff role: their own dues rather than the organization's books. */
const residentOnly = (s: Session) => s.roles.includes('resident') && s.roles.every((r) => r === 'resident');

/** Every page the console has, in the main navigation's order; the router knows no other. */
export const PAGES: readonly PageDef[] = [
  {
    path: 'dashboard',
    title: 'Dashboard',
    nav: 'Dashboard',
    allowed: hasPermission('customers:read'),
    render: ({ session }) => <Dashboard session={session} />,
  },
  {
    path: 'home',
    title: 'My dues',
    nav: 'My dues',
    allowed: residentOnly,
    render: ({ session }) => <ResidentHome session={session} />,
  },
  {
    path: 'invoices',
    title: 'Invoices',
    nav: 'Invoices',
    allowed: hasPermission('invoices:read'),
    render: ({ session }) => <Invoices session={session} />,
  },
  {
    path: 'invoices',
    title: 'Invoice',
    withId: true,
    allowed: hasPermission('invoices:read'),
    render: ({ session, id }) => <InvoiceDetail id={id!} session={session} />,
  },
  {
    path: 'statement',
    title: 'Statement of account',
    withId: true,
    allowed: hasPermission('invoices:read'),
    render: ({ id }) => <Statement customerId={id!} />,
  },
  {
    path: 'payments',
    title: 'Payment',
    withId: true,
    allowed: hasPermission('invoices:read'),
    render: ({ session, id }) => <PaymentDetail id={id!} session={session} />,
  },
  {
    path: 'receipt',
    title: 'Receipt',
    withId: true,
    allowed: hasPermission('invoices:read'),
    render: ({ id }) => <Receipt paymentId={id!} />,
  },
  {
    path: 'runs',
    title: 'Monthly runs',
    nav: 'Monthly runs',
    allowed: hasPermission('invoices:write'),
    render: ({ session }) => <InvoiceRuns session={session} />,
  },
  {
    path: 'purchase-orders',
    title: 'Purchase orders',
    nav: 'Purchase orders',
    allowed: hasPermission('purchase-orders:read'),
    render: ({ session }) => <PurchaseOrders session={session} />,
  },
  {
    path: 'purchase-orders',
    title: 'Purchase order',
    withId: true,
    allowed: hasPermission('purchase-orders:read'),
    render: ({ session, id }) => <PurchaseOrderDetail id={id!} session={session} />,
  },
  {
    path: 'bills',
    title: 'Bills',
    nav: 'Bills',
    allowed: hasPermission('purchase-orders:read'),
    render: ({ session }) => <Bills session={session} />,
  },
  {
    path: 'salary-runs',
    title: 'Salaries',
    nav: 'Salaries',
    allowed: hasPermission('payroll:read'),
    render: ({ session }) => <SalaryRuns session={session} />,
  },
  {
    path: 'mailbox',
    title: 'Mailbox',
    nav: 'Mailbox',
    allowed: hasPermission('emails:read'),
    render: () => <Mailbox id={undefined} />,
  },
  {
    path: 'mailbox',
    title: 'Mail',
    withId: true,
    allowed: hasPermission('emails:read'),
    render: ({ id }) => <Mailbox id={id} />,
  },
  {
    path: 'ledger',
    title: 'Ledger',
    nav: 'Ledger',
    allowed: hasPermission('ledger:read'),
    render: () => <Ledger />,
  },
  {
    path: 'operations',
    title: 'Operations',
    nav: 'Operations',
    allowed: hasPermission('ops:read'),
    render: ({ session }) => <Operations session={session} />,
  },
  {
    path: 'timeline',
    title: 'Timeline',
    withId: true,
    allowed: hasPermission('ops:read'),
    render: ({ id }) => <Timeline correlationId={id!} />,
  },
];
