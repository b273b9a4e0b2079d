// Sign in: Email, Password, "Sign in"; a wrong password shows an alert and stays here.
import { useState } from 'react';
import { api, setCsrfToken } from '../../api/client';
import type { SessionInfo } from '../../api/types';
import { ErrorMessage } from '../../components/common';

export function SignIn({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [pending, setPending] = useState(false);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand brand-large">
          <Logo /> Latchkey
        </p>
        <h1>Sign in</h1>
        <form
          onSubmit={async (event) => {
            event.preventDefault();
            setPending(true);
            setError(null);
            try {
              const session = await api.post<SessionInfo>('/v1/auth/login', { email: email.trim(), password });
              setCsrfToken(session.csrfToken);
              setPassword('');
              onSignedIn(session);
            } catch (caught) {
              setError(caught);
              setPending(false);
            }
          }}
        >
          <label className="field">
            <span>Email</span>
            <input type="email" autoComplete="username" required value={email} onChange={(event) => setEmail(event.target.value)} />
          </label>
          <label className="field">
            <span>Password</span>
            <input type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} />
          </label>
          <ErrorMessage error={error} />
          <button type="submit" className="button button-primary button-block" disabled={pending}>
            Sign in
          </button>
        </form>
      </div>
    </main>
  );
}

export function Logo() {
  return (
    <svg className="logo" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
      <rect width="32" height="32" rx="7" />
      <circle cx="12" cy="16" r="5" />
      <path d="M17 16h10v5M23 16v4" />
    </svg>
  );
}
