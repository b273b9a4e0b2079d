// Service accounts: machine principals with their own grants; Issue token, Delete (its tokens die), and their tokens.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { can, useCatalogue, useMe, useOrg } from '../../api/queries';
import type { MintedToken, Page, ServiceAccount, Token } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { MintDialog } from '../../components/MintDialog';
import { ScopePicker } from '../../components/ScopePicker';
import { TokenTable } from '../../components/TokenTable';
import { EmptyState, ErrorMessage, Loading, PageHeader, RelativeTime, ScopeList } from '../../components/common';
import { plural } from '../../lib/words';

export function ServiceAccountsPage() {
  const me = useMe();
  const accounts = useQuery({ queryKey: ['service-accounts'], queryFn: () => api.get<Page<ServiceAccount>>('/v1/service-accounts?limit=200') });
  const [creating, setCreating] = useState(false);
  const canManage = can(me.data, 'service_accounts:manage');
  return (
    <>
      <PageHeader title="Service accounts" description="Machine identities owned by the organization: they keep working when people come and go.">
        {canManage && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            New service account
          </button>
        )}
      </PageHeader>
      {accounts.isPending ? (
        <Loading what="service accounts" />
      ) : accounts.error ? (
        <ErrorMessage error={accounts.error} />
      ) : accounts.data.data.length === 0 ? (
        <EmptyState title="No service accounts yet.">Make one for each system that calls your API (a deployer, a nightly job), then issue it tokens.</EmptyState>
      ) : (
        accounts.data.data.map((account) => <AccountCard key={account.id} account={account} canManage={canManage} />)
      )}
      {creating && <NewServiceAccountDialog onClose={() => setCreating(false)} />}
    </>
  );
}

function NewServiceAccountDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const me = useMe();
  const catalogue = useCatalogue();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  const [message, setMessage] = useState<string | null>(null);
  return (
    <Dialog title="New service account" onClose={onClose} wide>
      <form
        noValidate
        onSubmit={async (event) => {
          event.preventDefault();
          setMessage(null);
          if (!name.trim()) return setMessage('Give the service account a name.');
          if (scopes.size === 0) return setMessage('Pick at least one scope: a service account can do only what it is granted.');
          try {
            await api.post('/v1/service-accounts', { name: name.trim(), scopes: [...scopes] });
            await queryClient.invalidateQueries({ queryKey: ['service-accounts'] });
            onClose();
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} onChange={(event) => setName(event.target.value)} placeholder="e.g. deployer" />
        </label>
        {catalogue.data && <ScopePicker catalogue={catalogue.data} allowed={me.data?.scopes ?? null} selected={scopes} onChange={setScopes} />}
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
          <button type="submit" className="button button-primary">
            Create service account
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function AccountCard({ account, canManage }: { account: ServiceAccount; canManage: boolean }) {
  const queryClient = useQueryClient();
  const catalogue = useCatalogue();
  const me = useMe();
  const org = useOrg(can(me.data, 'org:read'));
  const key = ['service-account-tokens', account.id];
  const tokens = useQuery({ queryKey: key, queryFn: () => api.get<Page<Token>>(`/v1/service-accounts/${account.id}/tokens?limit=200`) });
  const [issuing, setIssuing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const headingId = `sa-${account.id}`;
  const live = tokens.data?.data.filter((token) => token.status === 'active').length ?? 0;
  return (
    <section className="card" aria-labelledby={headingId}>
      <div className="card-header">
        <div>
          <h2 id={headingId}>{account.name}</h2>
          <p className="muted small">
            Created <RelativeTime iso={account.createdAt} />
          </p>
          <ScopeList scopes={account.scopes} />
        </div>
        {canManage && (
          <div className="page-actions">
            <button type="button" className="button button-danger-outline" onClick={() => setDeleting(true)}>
              Delete
            </button>
            <button type="button" className="button button-primary" onClick={() => setIssuing(true)}>
              Issue token
            </button>
          </div>
        )}
      </div>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.error ? (
        <ErrorMessage error={tokens.error} />
      ) : (
        <TokenTable
          caption={`Tokens of ${account.name}`}
          tokens={tokens.data.data}
          actions={{ pathOf: (token) => `/v1/service-accounts/${account.id}/tokens/${token.id}`, detailHref: (token) => `/org-tokens/${token.id}`, invalidate: [key], canManage }}
          empty={<EmptyState title="No tokens yet.">Choose Issue token to give this account a credential.</EmptyState>}
        />
      )}
      {issuing && (
        <MintDialog
          title={`Issue token for ${account.name}`}
          submitLabel="Issue token"
          catalogue={catalogue.data}
          allowedScopes={account.scopes}
          policy={org.data?.policy}
          scopesHint="Leave every box unchecked for all of the account's scopes."
          onClose={() => setIssuing(false)}
          onSubmit={async (form) => {
            const minted = await api.post<MintedToken>(`/v1/service-accounts/${account.id}/tokens`, { name: form.name, ...(form.scopes.length ? { scopes: form.scopes } : {}), ...form.expiry });
            await queryClient.invalidateQueries({ queryKey: key });
            return minted;
          }}
        />
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete service account"
          confirmLabel="Delete service account"
          onClose={() => setDeleting(false)}
          onConfirm={async () => {
            await api.delete(`/v1/service-accounts/${account.id}`);
            setDeleting(false);
            await queryClient.invalidateQueries({ queryKey: ['service-accounts'] });
          }}
        >
          <p>
            Delete <strong>{account.name}</strong>?
          </p>
          <p className="warning">
            {live > 0 ? `Its ${plural(live, 'active token')} will be revoked; anything using them will get 401 from its next request.` : 'It has no active tokens.'} This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </section>
  );
}
