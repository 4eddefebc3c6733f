import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { can, loadSession, signOut as endSession, type Session } from './api';
import { go, useRoute } from './hooks';
import { PageErrorBoundary } from './components';
import { SignIn } from './pages/SignIn';
import { Invoices } from './pages/Invoices';
import { InvoiceDetail } from './pages/InvoiceDetail';
import { Mailbox } from './pages/Mailbox';
import { Ledger } from './pages/Ledger';
import { Operations } from './pages/Operations';
import { Timeline } from './pages/Timeline';
import { PurchaseOrderDetail, PurchaseOrders } from './pages/PurchaseOrders';
import { SalaryRuns } from './pages/SalaryRuns';
import { Bills } from './pages/Bills';
import { InvoiceRuns } from './pages/InvoiceRuns';
import { PaymentDetail } from './pages/Payment';
import './styles.css';

const PAGES: { path: string; title: string; permission: string }[] = [
  { path: 'invoices', title: 'Invoices', permission: 'invoices:read' },
  { path: 'runs', title: 'Monthly runs', permission: 'invoices:write' },
  { path: 'purchase-orders', title: 'Purchase orders', permission: 'purchase-orders:read' },
  { path: 'bills', title: 'Bills', permission: 'purchase-orders:read' },
  { path: 'salary-runs', title: 'Salaries', permission: 'payroll:read' },
  { path: 'mailbox', title: 'Mailbox', permission: 'emails:read' },
  { path: 'ledger', title: 'Ledger', permission: 'ledger:read' },
  { path: 'operations', title: 'Operations', permission: 'ops:read' },
];

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const route = useRoute();
  if (!session) return <SignIn onSignedIn={(s) => (setSession(s), go('invoices'))} />;

  const pages = PAGES.filter((p) => can(session, p.permission));
  const [page = pages[0]?.path ?? 'invoices', id] = route;
  const signOut = () => {
    void endSession();
    setSession(null);
  };
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Dhanman</span>
        <nav aria-label="Main">
          {pages.map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={page === p.path ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <span className="who">
          {session.email} ({session.roles.join(', ')})
          <button type="button" className="link" onClick={signOut}>
            Sign out
          </button>
        </span>
      </header>
      <main>
        <PageErrorBoundary key={route.join('/')}>
          {page === 'invoices' && !id && <Invoices session={session} />}
          {page === 'invoices' && id && <InvoiceDetail id={id} session={session} />}
          {page === 'payments' && id && <PaymentDetail id={id} session={session} />}
          {page === 'runs' && <InvoiceRuns session={session} />}
          {page === 'purchase-orders' && !id && <PurchaseOrders session={session} />}
          {page === 'purchase-orders' && id && <PurchaseOrderDetail id={id} session={session} />}
          {page === 'bills' && <Bills session={session} />}
          {page === 'salary-runs' && <SalaryRuns session={session} />}
          {page === 'mailbox' && <Mailbox id={id} />}
          {page === 'ledger' && <Ledger />}
          {page === 'operations' && <Operations session={session} />}
          {page === 'timeline' && id && <Timeline correlationId={decodeURIComponent(id)} />}
        </PageErrorBoundary>
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
