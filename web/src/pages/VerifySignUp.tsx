import { useEffect, useState } from 'react';
import { ApiError, call, type Session } from '../api';
import { Loading } from '../components';
import { SignIn } from './SignIn';

/** What the link's token came to: the new society, or why the link does not work. */
type Outcome =
  { kind: 'ready' } | { kind: 'signed-up-already'; detail: string } | { kind: 'invalid'; detail: string };

/** A token as Common issues it (`POST /api/organizations/verify` checks the same). */
const TOKEN = /^[\w-]{20,200}$/;

const NOT_VALID = 'This sign-up link is not valid: it was used already, has expired, or never existed.';

/**
 * One POST per token for the life of the page: a link works once, so StrictMode's second effect
 * (and any re-render) must read the first call's answer rather than spend the token again.
 */
const verifications = new Map<string, Promise<Outcome>>();

function verify(token: string): Promise<Outcome> {
  let outcome = verifications.get(token);
  if (!outcome) {
    outcome = TOKEN.test(token)
      ? call('common', '/api/organizations/verify', { body: { token } }).then(
          (): Outcome => ({ kind: 'ready' }),
          (err: unknown): Outcome => {
            const detail = err instanceof ApiError ? (err.detail ?? err.title) : NOT_VALID;
            if (err instanceof ApiError && err.status === 409) return { kind: 'signed-up-already', detail };
            if (err instanceof ApiError && err.status < 500) return { kind: 'invalid', detail };
            return {
              kind: 'invalid',
              detail: `The link could not be checked just now (${detail}). Try it again.`,
            };
          },
        )
      : Promise.resolve<Outcome>({ kind: 'invalid', detail: NOT_VALID });
    verifications.set(token, outcome);
  }
  return outcome;
}

function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} · Dhanman`;
  }, [title]);
}

/**
 * `#/verify/<token>`, where the mailed sign-up link lands (the console server redirects
 * `/sign-up/verify?token=` here). Public: it needs no session. It uses the token once, then offers
 * the new admin the sign-in form, or says why the link does not work.
 */
export function VerifySignUp({ token, onSignedIn }: { token: string; onSignedIn(session: Session): void }) {
  const [outcome, setOutcome] = useState<Outcome>();
  useEffect(() => {
    let current = true;
    void verify(token).then((o) => current && setOutcome(o));
    return () => {
      current = false;
    };
  }, [token]);

  const title = !outcome
    ? 'Setting up your society'
    : outcome.kind === 'ready'
      ? 'Your society is ready — sign in'
      : outcome.kind === 'signed-up-already'
        ? 'You have an account — sign in'
        : 'This sign-up link does not work';
  useTitle(title);

  if (outcome?.kind === 'ready' || outcome?.kind === 'signed-up-already') {
    return (
      <SignIn
        title={title}
        intro={
          outcome.kind === 'ready'
            ? 'Sign in with the email and password you signed up with.'
            : outcome.detail
        }
        initialEmail=""
        onSignedIn={onSignedIn}
      />
    );
  }
  return (
    <main className="signin">
      <div className="card signin-card">
        <h1>{title}</h1>
        {!outcome ? (
          <Loading what="your sign-up" />
        ) : (
          <>
            <div className="error" role="alert">
              <p>{outcome.detail}</p>
            </div>
            <p>
              Sign up again for a new link, or <a href="#/">sign in</a> if you have an account.
            </p>
          </>
        )}
      </div>
    </main>
  );
}
