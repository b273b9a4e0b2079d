// Accepting an invitation: the link carries the invitation in its #fragment (never sent to a server log).
import { useState } from 'react';
import { api, setCsrfToken } from '../../api/client';
import type { SessionInfo } from '../../api/types';
import { ErrorMessage } from '../../components/common';
import { Logo } from './SignIn';

export function AcceptInvite({ onSignedIn }: { onSignedIn: (session: SessionInfo) => void }) {
  const [inviteToken] = useState(() => new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <main className="auth-page">
      <div className="auth-card">
        <p className="brand brand-large">
          <Logo /> Latchkey
        </p>
        <h1>Accept invitation</h1>
        {!inviteToken ? (
          <p role="alert" className="error">
            This link has no invitation in it. Ask for a new one.
          </p>
        ) : (
          <form
            onSubmit={async (event) => {
              event.preventDefault();
              try {
                const session = await api.post<SessionInfo>('/v1/auth/accept-invite', { inviteToken, name: name.trim(), password });
                setCsrfToken(session.csrfToken);
                window.history.replaceState(null, '', '/tokens');
                onSignedIn(session);
              } catch (caught) {
                setError(caught);
              }
            }}
          >
            <label className="field">
              <span>Your name</span>
              <input required autoComplete="name" value={name} onChange={(event) => setName(event.target.value)} />
            </label>
            <label className="field">
              <span>Choose a password</span>
              <input type="password" required minLength={8} autoComplete="new-password" value={password} onChange={(event) => setPassword(event.target.value)} />
            </label>
            <ErrorMessage error={error} />
            <button type="submit" className="button button-primary button-block">
              Accept invitation
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
