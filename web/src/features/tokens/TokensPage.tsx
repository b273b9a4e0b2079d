// Tokens: the person's own personal access tokens.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api/client';
import { can, useCatalogue, useMe, useOrg } from '../../api/queries';
import type { MintedToken, Page, Token } from '../../api/types';
import { MintDialog } from '../../components/MintDialog';
import { RevokeAllDialog, TokenTable } from '../../components/TokenTable';
import { EmptyState, ErrorMessage, Loading, PageHeader } from '../../components/common';

export function TokensPage() {
  const queryClient = useQueryClient();
  const me = useMe();
  const catalogue = useCatalogue();
  const org = useOrg(can(me.data, 'org:read'));
  const tokens = useQuery({ queryKey: ['api-tokens'], queryFn: () => api.get<Page<Token>>('/v1/api-tokens?limit=200') });
  const [creating, setCreating] = useState(false);
  const [revokingAll, setRevokingAll] = useState(false);
  const canManage = can(me.data, 'tokens:manage') || me.data?.credential.type === 'session';
  const active = tokens.data?.data.filter((token) => token.status === 'active').length ?? 0;

  return (
    <>
      <PageHeader title="Personal access tokens" description="Tokens that act as you, for scripts, the CLI and CI. Each is shown once, when it is made.">
        {canManage && (
          <>
            <button type="button" className="button button-danger-outline" disabled={active === 0} onClick={() => setRevokingAll(true)}>
              Revoke all
            </button>
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              New token
            </button>
          </>
        )}
      </PageHeader>
      {tokens.isPending ? (
        <Loading what="your tokens" />
      ) : tokens.error ? (
        <ErrorMessage error={tokens.error} />
      ) : (
        <TokenTable
          caption="Your personal access tokens"
          tokens={tokens.data.data}
          actions={{ pathOf: (token) => `/v1/api-tokens/${token.id}`, detailHref: (token) => `/tokens/${token.id}`, invalidate: [['api-tokens']], canManage }}
          empty={
            <EmptyState title="You have no personal access tokens yet.">
              Choose New token to make one for a script or CI job; give it only the scopes it needs and an expiry.
            </EmptyState>
          }
        />
      )}
      {creating && (
        <MintDialog
          title="New token"
          submitLabel="Create token"
          catalogue={catalogue.data}
          allowedScopes={me.data?.scopes ?? null}
          policy={org.data?.policy}
          scopesHint="Leave every box unchecked to let the token do everything you can do."
          onClose={() => setCreating(false)}
          onSubmit={async (form) => {
            const minted = await api.post<MintedToken>('/v1/api-tokens', { name: form.name, ...(form.scopes.length ? { scopes: form.scopes } : {}), ...form.expiry });
            await queryClient.invalidateQueries({ queryKey: ['api-tokens'] });
            return minted;
          }}
        />
      )}
      {revokingAll && me.data && (
        <RevokeAllDialog
          orgName={me.data.org.name}
          what={`This revokes all ${active} of your active personal tokens in ${me.data.org.name}.`}
          onClose={() => setRevokingAll(false)}
          onConfirm={async () => {
            await api.post('/v1/api-tokens/revoke-all', {});
            setRevokingAll(false);
            await queryClient.invalidateQueries({ queryKey: ['api-tokens'] });
          }}
        />
      )}
    </>
  );
}
