// Org tokens: every token in the org with filters, New API key (a role ≤ yours), Roll/Revoke, org-wide Revoke all.
import { useState } from 'react';
import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, query } from '../../api/client';
import { can, useCatalogue, useMe, useOrg, useRoles } from '../../api/queries';
import type { Member, MintedToken, Page, Team, Token } from '../../api/types';
import { MintDialog } from '../../components/MintDialog';
import { RevokeAllDialog, TokenTable } from '../../components/TokenTable';
import { EmptyState, ErrorMessage, Loading, PageHeader, Pager } from '../../components/common';

interface Filters {
  kind: string;
  status: string;
  owner: string;
  team: string;
}

export function OrgTokensPage() {
  const queryClient = useQueryClient();
  const me = useMe();
  const catalogue = useCatalogue();
  const roles = useRoles();
  const org = useOrg(can(me.data, 'org:read'));
  const members = useQuery({ queryKey: ['members'], queryFn: () => api.get<Page<Member>>('/v1/members?limit=200'), enabled: can(me.data, 'members:read') });
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<Page<Team>>('/v1/teams?limit=200'), enabled: can(me.data, 'teams:read') });
  const [filters, setFilters] = useState<Filters>({ kind: '', status: '', owner: '', team: '' });
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const tokens = useQuery({
    queryKey: ['org-tokens', filters, cursor],
    queryFn: () => api.get<Page<Token>>(`/v1/tokens${query({ ...filters, limit: 50, cursor })}`),
    placeholderData: keepPreviousData,
  });
  const [creating, setCreating] = useState(false);
  const [revokingAll, setRevokingAll] = useState(false);
  const myRank = roles.data?.data.find((role) => role.name === me.data?.role)?.rank ?? Infinity;
  const grantable = roles.data?.data.filter((role) => role.rank <= myRank) ?? [];
  const [role, setRole] = useState('viewer');
  const set = (patch: Partial<Filters>) => {
    setCursors([]);
    setFilters({ ...filters, ...patch });
  };

  return (
    <>
      <PageHeader title="Org tokens" description="Every token in the organization: people's personal tokens, service-account and team tokens, and org API keys.">
        <button type="button" className="button button-danger-outline" onClick={() => setRevokingAll(true)}>
          Revoke all
        </button>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          New API key
        </button>
      </PageHeader>
      <div className="filters" role="group" aria-label="Filters">
        <label className="field">
          <span>Kind</span>
          <select value={filters.kind} onChange={(event) => set({ kind: event.target.value })}>
            <option value="">All kinds</option>
            <option value="personal">Personal</option>
            <option value="service">Service</option>
          </select>
        </label>
        <label className="field">
          <span>Status</span>
          <select value={filters.status} onChange={(event) => set({ status: event.target.value })}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="expired">Expired</option>
            <option value="revoked">Revoked</option>
          </select>
        </label>
        <label className="field">
          <span>Owner</span>
          <select value={filters.owner} onChange={(event) => set({ owner: event.target.value })}>
            <option value="">Anyone</option>
            {members.data?.data.map((member) => (
              <option key={member.userId} value={member.userId}>
                {member.name}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Team</span>
          <select value={filters.team} onChange={(event) => set({ team: event.target.value })}>
            <option value="">Any team</option>
            {teams.data?.data.map((team) => (
              <option key={team.id} value={team.id}>
                {team.name}
              </option>
            ))}
          </select>
        </label>
      </div>
      {tokens.isPending ? (
        <Loading what="tokens" />
      ) : tokens.error ? (
        <ErrorMessage error={tokens.error} />
      ) : (
        <TokenTable
          caption="Every token in the organization"
          tokens={tokens.data.data}
          actions={{
            pathOf: (token) => `/v1/tokens/${token.id}`,
            detailHref: (token) => `/org-tokens/${token.id}`,
            invalidate: [['org-tokens']],
            canManage: true,
          }}
          empty={<EmptyState title="No tokens match.">Change the filters, or choose New API key to make a key owned by the organization.</EmptyState>}
        />
      )}
      <Pager
        hasPrevious={cursors.length > 0}
        hasNext={Boolean(tokens.data?.nextCursor)}
        onPrevious={() => setCursors(cursors.slice(0, -1))}
        onNext={() => tokens.data?.nextCursor && setCursors([...cursors, tokens.data.nextCursor])}
      />
      {creating && (
        <MintDialog
          title="New API key"
          submitLabel="Create API key"
          catalogue={catalogue.data}
          allowedScopes={null}
          policy={org.data?.policy}
          withScopes={false}
          extraFields={
            <label className="field">
              <span>Role</span>
              <select value={role} onChange={(event) => setRole(event.target.value)}>
                {grantable.map((option) => (
                  <option key={option.name} value={option.name}>
                    {option.name}: {option.description}
                  </option>
                ))}
              </select>
            </label>
          }
          onClose={() => setCreating(false)}
          onSubmit={async (form) => {
            const minted = await api.post<MintedToken>('/v1/tokens', { name: form.name, role, ...form.expiry });
            await queryClient.invalidateQueries({ queryKey: ['org-tokens'] });
            return minted;
          }}
        />
      )}
      {revokingAll && me.data && (
        <RevokeAllDialog
          orgName={me.data.org.name}
          what={`This revokes every live token in ${me.data.org.name}: personal tokens, service-account and team tokens, and API keys, yours included.`}
          onClose={() => setRevokingAll(false)}
          onConfirm={async () => {
            await api.post('/v1/tokens/revoke-all', {});
            setRevokingAll(false);
            await queryClient.invalidateQueries();
          }}
        />
      )}
    </>
  );
}
