import { useEffect, useRef, useState, type ReactNode } from 'react';
import { can, type Session } from './api';

/** One page of the console: where it lives, what it is called, who may open it, what it shows. */
export interface PageDef {
  /** The first part of the hash route (`#/invoices/<id>`: `invoices`). */
  path: string;
  /** Its h1 and document title; a page about one record takes the id. */
  title: string | ((id: string) => string);
  /** Shown in the main navigation under this name (pages about one record are not). */
  nav?: string;
  /** Whether this session may open it. */
  allowed(session: Session): boolean;
  /** A page about one record needs its id; a list page takes none. */
  withId?: boolean;
  render(props: { session: Session; id: string | undefined }): ReactNode;
}

export const hasPermission = (permission: string) => (session: Session) => can(session, permission);

/** The current hash route: `#/invoices/abc` -> ['invoices', 'abc']. */
export function useRoute(): string[] {
  const read = () => window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const go = (path: string): void => {
  window.location.hash = `#/${path}`;
};

/** The page a route names, when this session may open it. */
export function pageFor(pages: readonly PageDef[], session: Session, route: string[]): PageDef | undefined {
  const [path, id] = route;
  return pages.find((p) => p.path === path && Boolean(p.withId) === Boolean(id) && p.allowed(session));
}

/**
 * Where a person lands after signing in: operators on Operations, a resident on their own dues,
 * a manager or the CFO on the orders waiting for them, everyone else (accountant, admin) on the
 * dashboard.
 */
export function landingOf(session: Session): string {
  const roles = new Set(session.roles);
  if (roles.has('operator')) return 'operations';
  if (roles.has('admin') || roles.has('accountant')) return 'dashboard';
  if (roles.has('manager') || roles.has('cfo')) return 'purchase-orders';
  if (roles.has('resident')) return 'home';
  return 'invoices';
}

/**
 * A page under its h1: the document title follows it, and on every navigation focus moves to the
 * h1 so a screen reader announces the new page (as a full page load would).
 */
export function PageFrame({
  title,
  routeKey,
  children,
}: {
  title: string;
  routeKey: string;
  children: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${title} · Dhanman`;
  }, [title]);
  useEffect(() => {
    // The first page after loading keeps the browser's own focus; later pages take it.
    if (first.current) {
      first.current = false;
      return;
    }
    heading.current?.focus();
  }, [routeKey]);
  return (
    <>
      <h1 ref={heading} tabIndex={-1} className="page-title">
        {title}
      </h1>
      {children}
    </>
  );
}
