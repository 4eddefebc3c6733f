import { expect } from 'vitest';

/** What `p` rejects with, checked to be an `ErrorClass` (the test fails if `p` resolves instead). */
export async function rejectionOf<E extends Error>(
  p: Promise<unknown>,
  ErrorClass: new (...args: never[]) => E,
): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ErrorClass);
  return err as E;
}
