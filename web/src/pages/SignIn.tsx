import { useState, type FormEvent, type ReactNode } from 'react';
import { signIn, type Session } from '../api';
import { ErrorBox } from '../components';

const DEMO = ['admin', 'accountant', 'manager', 'cfo', 'resident'].map((r) => `${r}@demo.dhanman.local`);

export function SignIn({
  onSignedIn,
  title = 'Dhanman',
  intro = 'Accounts for your residential community.',
  initialEmail = DEMO[1]!,
}: {
  onSignedIn(session: Session): void;
  /** The form's h1 (the verify page says the society is ready). */
  title?: string;
  intro?: ReactNode;
  initialEmail?: string;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onSignedIn(await signIn(email, password));
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form onSubmit={submit} className="card" aria-label="Sign in">
        <h1>{title}</h1>
        <p>{intro}</p>
        <label>
          Email
          <input
            name="email"
            type="email"
            list="demo-users"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
          />
        </label>
        <datalist id="demo-users">
          {DEMO.map((d) => (
            <option key={d} value={d} />
          ))}
        </datalist>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </label>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
