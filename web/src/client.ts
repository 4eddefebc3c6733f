import createClient from 'openapi-fetch';
import { useQuery } from '@tanstack/react-query';
import { ApiError, loadSession, refreshOnce, type Session } from './api';
import type { Loaded } from './hooks';
import type { paths as SalesPaths } from './generated/api-types/sales';

/**
 * Clients typed from the services' own OpenAPI documents (openapi-typescript + openapi-fetch;
 * `npm run console:types` regenerates `generated/api-types/`): a path, its parameters and its answer are
 * checked by the compiler against what the service documents.
 */

const withToken = (request: Request, session: Session | null): Request => {
  const headers = new Headers(request.headers);
  if (session) headers.set('authorization', `Bearer ${session.token}`);
  return new Request(request, { headers });
};

/** fetch with the signed-in user's token, renewed once when it has run out (the refresh shared, see api.ts). */
async function authedFetch(request: Request): Promise<Response> {
  const again = request.clone();
  const session = loadSession();
  const first = await fetch(withToken(request, session));
  if (first.status !== 401 || !session) return first;
  const renewed = await refreshOnce(session);
  return renewed ? fetch(withToken(again, renewed)) : first;
}

export const sales = createClient<SalesPaths>({ baseUrl: '/svc/sales', fetch: authedFetch });

/** The answer of a typed call, or its problem thrown as people read it. */
export async function ok<T>(
  pending: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<NonNullable<T>> {
  const { data, error, response } = await pending;
  if (data !== undefined && data !== null && response.ok) return data as NonNullable<T>;
  const body = (error ?? {}) as Record<string, unknown>;
  throw new ApiError(
    response.status,
    typeof body.title === 'string' ? body.title : response.statusText || `HTTP ${response.status}`,
    typeof body.detail === 'string' ? body.detail : undefined,
    body,
  );
}

/** A typed call's answer, cached under `key` (TanStack Query) like useGet's. */
export function useTyped<T>(key: readonly unknown[], load: () => Promise<T>): Loaded<T> {
  const query = useQuery({ queryKey: key, queryFn: load });
  return {
    data: query.data,
    error: query.error ?? undefined,
    loading: query.isFetching || query.isPending,
    reload: () => void query.refetch(),
  };
}

/** The JSON answer (200) of GET `path` of Sales, as its document says. */
export type SalesAnswer<P extends keyof SalesPaths> = SalesPaths[P] extends {
  get: { responses: { 200: { content: { 'application/json': infer A } } } };
}
  ? A
  : never;
