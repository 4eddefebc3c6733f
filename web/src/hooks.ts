import { useCallback, useEffect, useRef, useState } from 'react';
import { QueryClient, useQuery } from '@tanstack/react-query';
import { call, type Service } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * The console's cache of GET answers (TanStack Query), keyed by service and path: pages asking the
 * same thing at once share one request, and a page opened again shows what it had at once while
 * it asks again. No retries (a failed call shows its problem; the person retries) and no refetch on
 * window focus (each section has its Refresh).
 */
export const queryClient = new QueryClient({
  defaultOptions: {
    queries: { retry: false, refetchOnWindowFocus: false, staleTime: 0, gcTime: 5 * 60_000 },
  },
});

/** GET `path` of `service`, cached and shared with every other page asking the same. */
export function useGet<T>(service: Service, path: string): Loaded<T> {
  const query = useQuery({ queryKey: [service, path], queryFn: () => call<T>(service, path) });
  return {
    data: query.data,
    error: query.error ?? undefined,
    loading: query.isFetching || query.isPending,
    reload: () => void query.refetch(),
  };
}

/**
 * Loads what is not one GET (several services, a call that may be absent) once per change of
 * `deps`, and again on `reload()`; the last answer wins.
 */
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
  /** Runs the action with its Idempotency-Key. */
  run(action: (idempotencyKey: string) => Promise<unknown>): Promise<void>;
}

/**
 * Runs one action at a time and keeps its problem, if any, to show where the person clicked. The
 * action keeps one Idempotency-Key until it succeeds: trying again after a failure (a timeout, a
 * 503) is the same action, which the service then does at most once.
 */
export function useAction(after: () => void): Action {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const key = useRef<string>(crypto.randomUUID());
  const run = async (action: (idempotencyKey: string) => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action(key.current);
      key.current = crypto.randomUUID();
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
  const loaded = useGet<{ items: { id: string; name: string }[] }>(service, path);
  const [value, choose] = useState('');
  const options = loaded.data?.items ?? [];
  return { options, value, id: value || options[0]?.id, choose, error: loaded.error };
}

/**
 * The Idempotency-Key of one person's action (Pay, Void, Send again): the same on every try until
 * one succeeds (`done()`), then a new one for the next action.
 */
export function useIdempotencyKey(): { key(): string; done(): void } {
  const key = useRef(crypto.randomUUID());
  return {
    key: () => key.current,
    done: () => {
      key.current = crypto.randomUUID();
    },
  };
}
