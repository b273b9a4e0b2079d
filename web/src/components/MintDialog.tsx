// The form that makes a token (personal, service-account, team, org API key):
// Name, scopes or a role, Expiration; then the copy-once dialog.
import { useState, type ReactNode } from 'react';
import type { MintedToken, Policy, ScopeCatalogue } from '../api/types';
import { expiryBody, type ExpiryChoice } from '../lib/expiry';
import { Dialog } from './Dialog';
import { CopyOnceDialog } from './CopyOnceDialog';
import { ExpiryField, defaultExpiry } from './ExpiryField';
import { ScopePicker } from './ScopePicker';
import { ErrorMessage } from './common';

export interface MintForm {
  name: string;
  scopes: string[];
  expiry: { expiresIn: string | null } | { expiresAt: string };
}

export function MintDialog({
  title,
  submitLabel,
  catalogue,
  allowedScopes,
  policy,
  scopesHint,
  scopesRequired = false,
  withScopes = true,
  extraFields,
  onSubmit,
  onClose,
}: {
  title: string;
  submitLabel: string;
  catalogue: ScopeCatalogue | undefined;
  allowedScopes: string[] | null;
  policy: Policy | undefined;
  scopesHint?: string;
  scopesRequired?: boolean;
  withScopes?: boolean;
  extraFields?: ReactNode;
  onSubmit: (form: MintForm) => Promise<MintedToken>;
  onClose: () => void;
}) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [choice, setChoice] = useState<ExpiryChoice>(() => defaultExpiry(policy));
  const [date, setDate] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);

  if (secret) return <CopyOnceDialog value={secret} onDone={onClose} />;
  return (
    <Dialog title={title} onClose={onClose} wide>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setError(null);
          setMessage(null);
          if (!name.trim()) return setMessage('Give the token a name, so you can tell it apart later.');
          if (scopesRequired && withScopes && scopes.size === 0) return setMessage('Pick at least one scope.');
          const expiry = expiryBody(choice, date);
          if (!expiry.ok) return setMessage(expiry.message);
          setPending(true);
          try {
            const minted = await onSubmit({ name: name.trim(), scopes: [...scopes], expiry: expiry.body });
            setSecret(minted.token);
          } catch (caught) {
            setError(caught);
          } finally {
            setPending(false);
          }
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} maxLength={100} autoComplete="off" placeholder="e.g. CI deploys" />
        </label>
        {extraFields}
        {withScopes && catalogue && <ScopePicker catalogue={catalogue} allowed={allowedScopes} selected={scopes} onChange={setScopes} {...(scopesHint ? { hint: scopesHint } : {})} />}
        <ExpiryField choice={choice} date={date} policy={policy} onChoice={setChoice} onDate={setDate} />
        {message && (
          <p role="alert" className="error">
            {message}
          </p>
        )}
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={pending}>
            {submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
