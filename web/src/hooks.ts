import { useCallback, useEffect, useState } from 'react';
import { call, type Service } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/** Loads once per change of `deps`, and again on `reload()`; the last answer wins. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return {
    data: state.data,
    error: state.error,
    loading: state.loading,
    reload: () => setTick((t) => t + 1),
  };
}

export interface Action {
  error: Error | undefined;
  busy: boolean;
  run(action: () => Promise<unknown>): Promise<void>;
}

/** Runs one action at a time and keeps its problem, if any, to show where the person clicked. */
export function useAction(after: () => void): Action {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const run = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      after();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return { error, busy, run };
}

export interface Counterparty {
  options: { id: string; name: string }[];
  /** What the picker shows as chosen: '' until someone picks. */
  value: string;
  /** The one to send: the picked one, or the first (a select shows its first option as chosen). */
  id: string | undefined;
  choose(id: string): void;
  error: Error | undefined;
}

/** The vendors or customers a new document may be for, loaded once from `path` of `service`. */
export function useCounterparty(service: Service, path: string): Counterparty {
  const loaded = useLoad(
    () => call<{ items: { id: string; name: string }[] }>(service, path),
    [service, path],
  );
  const [value, choose] = useState('');
  const options = loaded.data?.items ?? [];
  return { options, value, id: value || options[0]?.id, choose, error: loaded.error };
}

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
