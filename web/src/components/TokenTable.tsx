// The token table every page uses: name (to its detail), display prefix, scopes,
// last use with IP, expiry, status, and Roll / Revoke (confirmed in dialogs).
import { useState, type ReactNode } from 'react';
import { Link } from 'wouter';
import { useQueryClient } from '@tanstack/react-query';
import { api } from '../api/client';
import type { MintedToken, Token } from '../api/types';
import { revokeConsequence, rollConsequence } from '../lib/words';
import { ConfirmDialog } from './ConfirmDialog';
import { CopyOnceDialog } from './CopyOnceDialog';
import { EmptyState, RelativeTime, ScopeList, StatusBadge } from './common';

export interface TokenActions {
  /** The API path of one token (…/roll and DELETE are under it). */
  pathOf: (token: Token) => string;
  detailHref?: (token: Token) => string;
  /** Query keys to refresh after a change. */
  invalidate: unknown[][];
  canManage: boolean;
  extra?: (token: Token) => ReactNode;
}

const GRACE_CHOICES = [
  { seconds: 0, label: 'None: the old secret stops now' },
  { seconds: 300, label: '5 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86_400, label: '24 hours' },
];

export function TokenTable({ tokens, actions, caption, empty }: { tokens: Token[]; actions: TokenActions; caption: string; empty: ReactNode }) {
  const queryClient = useQueryClient();
  const [rolling, setRolling] = useState<Token | null>(null);
  const [grace, setGrace] = useState(0);
  const [revoking, setRevoking] = useState<Token | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => Promise.all(actions.invalidate.map((queryKey) => queryClient.invalidateQueries({ queryKey })));

  if (tokens.length === 0) return <>{empty}</>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Scopes</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              {actions.canManage && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <th scope="row" className="name-cell">
                  {actions.detailHref ? <Link href={actions.detailHref(token)}>{token.name}</Link> : token.name}
                  {token.role && <span className="muted small"> role {token.role}</span>}
                </th>
                <td data-label="Prefix">
                  <code>{token.prefix}…</code>
                </td>
                <td data-label="Scopes">
                  <ScopeList scopes={token.scopes} inherits={token.inheritsOwnerPermissions} />
                </td>
                <td data-label="Last used">
                  <div>
                    <RelativeTime iso={token.lastUsedAt} />
                    {token.lastUsedIp && <span className="muted small block">from {token.lastUsedIp}</span>}
                  </div>
                </td>
                <td data-label="Expires">
                  <RelativeTime iso={token.expiresAt} />
                </td>
                <td data-label="Status">
                  <StatusBadge status={token.status} />
                </td>
                {actions.canManage && (
                  <td className="actions">
                    {token.status === 'active' && (
                      <>
                        <button type="button" className="button button-small" onClick={() => { setGrace(0); setRolling(token); }}>
                          Roll
                        </button>
                        <button type="button" className="button button-small button-danger-outline" onClick={() => setRevoking(token)}>
                          Revoke
                        </button>
                      </>
                    )}
                    {actions.extra?.(token)}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rolling && (
        <ConfirmDialog
          title="Roll token"
          confirmLabel="Roll token"
          danger={false}
          onClose={() => setRolling(null)}
          onConfirm={async () => {
            const rolled = await api.post<MintedToken>(`${actions.pathOf(rolling)}/roll`, grace > 0 ? { gracePeriodSeconds: grace } : {});
            setRolling(null);
            setSecret(rolled.token);
            await refresh();
          }}
        >
          <p>
            A new secret for <strong>{rolling.name}</strong>, same id and name.
          </p>
          <label className="field">
            <span>Grace period</span>
            <select value={grace} onChange={(event) => setGrace(Number(event.target.value))}>
              {GRACE_CHOICES.map((choice) => (
                <option key={choice.seconds} value={choice.seconds}>
                  {choice.label}
                </option>
              ))}
            </select>
          </label>
          <p className="warning">{rollConsequence(rolling, grace)}</p>
        </ConfirmDialog>
      )}
      {revoking && (
        <ConfirmDialog
          title="Revoke token"
          confirmLabel="Revoke token"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            await api.delete(actions.pathOf(revoking));
            setRevoking(null);
            await refresh();
          }}
        >
          <p>
            Revoke <strong>{revoking.name}</strong>?
          </p>
          <p className="warning">{revokeConsequence(revoking)}</p>
        </ConfirmDialog>
      )}
      {secret && <CopyOnceDialog value={secret} onDone={() => setSecret(null)} />}
    </>
  );
}

/** "Revoke all", confirmed by typing the org name. */
export function RevokeAllDialog({ orgName, what, onConfirm, onClose }: { orgName: string; what: string; onConfirm: () => Promise<unknown>; onClose: () => void }) {
  const [typed, setTyped] = useState('');
  return (
    <ConfirmDialog title="Revoke all tokens" confirmLabel="Revoke all tokens" onClose={onClose} onConfirm={onConfirm} disabled={typed !== orgName}>
      <p className="warning">{what} Everything using them will get 401 from its next request. This cannot be undone.</p>
      <label className="field">
        <span>
          Type <strong>{orgName}</strong> to confirm
        </span>
        <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" spellCheck={false} />
      </label>
    </ConfirmDialog>
  );
}

export { EmptyState };
