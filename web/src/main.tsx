import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { call, loadSession, signOut as endSession, type Session } from './api';
import { PageErrorBoundary } from './components';
import { queryClient } from './hooks';
import { PAGES } from './pages';
import { PageFrame, go, landingOf, pageFor, useRoute } from './router';
import { SignIn } from './pages/SignIn';
import { VerifySignUp } from './pages/VerifySignUp';
import { setZone } from './zone';
import './styles.css';

function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [, setZoneLoaded] = useState(false);
  const route = useRoute();
  useEffect(() => {
    if (!session || session.roles.includes('operator')) return;
    // Dates show in the organization's zone; until it is known, the product's default (Kolkata).
    call<{ timeZone: string }>('sales', '/api/billing-settings').then(
      (s) => (setZone(s.timeZone), setZoneLoaded(true)),
      () => undefined,
    );
  }, [session]);
  const signedIn = (s: Session) => (setSession(s), go(landingOf(s)));
  // The mailed sign-up link's page is public: it shows with or without a session.
  if (route[0] === 'verify') {
    // Not decoded: a token has only URL-safe characters, and anything else is not one.
    const token = route[1] ?? '';
    return <VerifySignUp key={token} token={token} onSignedIn={signedIn} />;
  }
  if (!session) return <SignIn onSignedIn={signedIn} />;

  const page = pageFor(PAGES, session, route) ?? pageFor(PAGES, session, [landingOf(session)]);
  const id = route[1] ? decodeURIComponent(route[1]) : undefined;
  const title = !page ? 'Not found' : typeof page.title === 'string' ? page.title : page.title(id ?? '');
  const signOut = () => {
    // The next person in this tab must not see this one's answers.
    queryClient.clear();
    void endSession();
    setSession(null);
  };
  return (
    <div className="shell">
      <header className="top">
        <span className="brand">Dhanman</span>
        <nav aria-label="Main">
          {PAGES.filter((p) => p.nav && p.allowed(session)).map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={page?.path === p.path ? 'page' : undefined}>
              {p.nav}
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
        <PageFrame title={title} routeKey={route.join('/')}>
          <PageErrorBoundary key={route.join('/')}>
            {page ? page.render({ session, id }) : <p>There is no such page.</p>}
          </PageErrorBoundary>
        </PageFrame>
      </main>
    </div>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
