// One team: its members with grants (add, change, remove) and its tokens (Issue token, Attach token, Detach).
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api } from '../../api/client';
import { can, canAdminTokens, useCatalogue, useMe, useOrg } from '../../api/queries';
import type { Member, MintedToken, Page, Team, TeamMember, Token } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { MintDialog } from '../../components/MintDialog';
import { ScopePicker } from '../../components/ScopePicker';
import { TokenTable } from '../../components/TokenTable';
import { EmptyState, ErrorMessage, Loading, ScopeList } from '../../components/common';
import { SeatMeter } from './SeatMeter';

export function TeamDetail({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const me = useMe();
  const catalogue = useCatalogue();
  const org = useOrg(can(me.data, 'org:read'));
  const team = useQuery({ queryKey: ['team', id], queryFn: () => api.get<Team>(`/v1/teams/${id}`) });
  const members = useQuery({ queryKey: ['team-members', id], queryFn: () => api.get<Page<TeamMember>>(`/v1/teams/${id}/members?limit=200`) });
  const tokens = useQuery({ queryKey: ['team-tokens', id], queryFn: () => api.get<Page<Token>>(`/v1/teams/${id}/tokens?limit=200`) });
  const [dialog, setDialog] = useState<null | 'issue' | 'attach' | 'add-member' | 'delete'>(null);
  const [editing, setEditing] = useState<TeamMember | null>(null);
  const [removing, setRemoving] = useState<TeamMember | null>(null);
  const [detaching, setDetaching] = useState<Token | null>(null);
  const canManage = can(me.data, 'teams:manage') || (me.data?.scopes.includes('team:manage') ?? false);
  const refreshTokens = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['team-tokens', id] }), queryClient.invalidateQueries({ queryKey: ['seats'] })]);
  const refreshMembers = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['team-members', id] })]);

  if (team.isPending) return <Loading what="the team" />;
  if (team.error) return <ErrorMessage error={team.error} />;
  return (
    <>
      <p className="breadcrumb">
        <Link href="/teams">← Teams</Link>
      </p>
      <div className="page-header">
        <h1>{team.data.name}</h1>
        {can(me.data, 'teams:manage') && (
          <div className="page-actions">
            <button type="button" className="button button-danger-outline" onClick={() => setDialog('delete')}>
              Delete team
            </button>
          </div>
        )}
      </div>
      <SeatMeter />
      <section className="card" aria-labelledby="team-members">
        <div className="card-header">
          <h2 id="team-members">Members</h2>
          {canManage && (
            <button type="button" className="button" onClick={() => setDialog('add-member')}>
              Add member
            </button>
          )}
        </div>
        {members.isPending ? (
          <Loading what="members" />
        ) : members.error ? (
          <ErrorMessage error={members.error} />
        ) : members.data.data.length === 0 ? (
          <EmptyState title="Nobody is in this team yet.">Add a member with the scopes they need in this team.</EmptyState>
        ) : (
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Members of {team.data.name}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Grant</th>
                  <th scope="col">Resources</th>
                  {canManage && (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {members.data.data.map((member) => (
                  <tr key={member.userId}>
                    <th scope="row" className="name-cell">
                      {member.name}
                      <span className="muted small block">{member.email}</span>
                    </th>
                    <td>
                      <ScopeList scopes={member.scopes} />
                    </td>
                    <td className="small">{member.resources?.join(', ') ?? <span className="muted">All</span>}</td>
                    {canManage && (
                      <td className="actions">
                        <button type="button" className="button button-small" onClick={() => setEditing(member)}>
                          Change grant
                        </button>
                        <button type="button" className="button button-small button-danger-outline" onClick={() => setRemoving(member)}>
                          Remove
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="team-tokens">
        <div className="card-header">
          <h2 id="team-tokens">Tokens</h2>
          {canManage && (
            <div className="page-actions">
              <button type="button" className="button" onClick={() => setDialog('attach')}>
                Attach token
              </button>
              <button type="button" className="button button-primary" onClick={() => setDialog('issue')}>
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
            caption={`Tokens of ${team.data.name}`}
            tokens={tokens.data.data}
            actions={{
              pathOf: (token) => `/v1/tokens/${token.id}`,
              ...(canAdminTokens(me.data, catalogue.data) ? { detailHref: (token: Token) => `/org-tokens/${token.id}` } : {}),
              invalidate: [['team-tokens', id], ['seats']],
              canManage: canManage && canAdminTokens(me.data, catalogue.data),
              extra: (token) =>
                token.status === 'active' && (
                  <button type="button" className="button button-small" onClick={() => setDetaching(token)}>
                    Detach
                  </button>
                ),
            }}
            empty={<EmptyState title="No team tokens yet.">Issue a token for this team's automation, or attach an existing service token. Each takes a seat.</EmptyState>}
          />
        )}
      </section>
      {dialog === 'issue' && (
        <MintDialog
          title={`Issue token for ${team.data.name}`}
          submitLabel="Issue token"
          catalogue={catalogue.data}
          allowedScopes={me.data?.scopes ?? null}
          policy={org.data?.policy}
          scopesRequired
          scopesHint="A team token holds the scopes you pick, inside this team. It takes one seat."
          onClose={() => setDialog(null)}
          onSubmit={async (form) => {
            const minted = await api.post<MintedToken>(`/v1/teams/${id}/tokens`, { name: form.name, scopes: form.scopes, ...form.expiry });
            await refreshTokens();
            return minted;
          }}
        />
      )}
      {dialog === 'attach' && <AttachDialog teamId={id} onClose={() => setDialog(null)} onDone={refreshTokens} />}
      {(dialog === 'add-member' || editing) && (
        <MemberGrantDialog
          teamId={id}
          member={editing}
          onClose={() => {
            setDialog(null);
            setEditing(null);
          }}
          onDone={refreshMembers}
        />
      )}
      {removing && (
        <ConfirmDialog
          title="Remove from team"
          confirmLabel="Remove from team"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.delete(`/v1/teams/${id}/members/${removing.userId}`);
            setRemoving(null);
            await refreshMembers();
          }}
        >
          <p className="warning">
            {removing.name} loses this team's grant at once: their tokens can no longer use {removing.scopes.join(', ')} in {team.data.name}.
          </p>
        </ConfirmDialog>
      )}
      {detaching && (
        <ConfirmDialog
          title="Detach token"
          confirmLabel="Detach token"
          onClose={() => setDetaching(null)}
          onConfirm={async () => {
            await api.delete(`/v1/teams/${id}/tokens/${detaching.id}`);
            setDetaching(null);
            await refreshTokens();
          }}
        >
          <p className="warning">
            {detaching.name} ({detaching.prefix}…) loses its grant in {team.data.name} from its next request, and its seat is freed.
          </p>
        </ConfirmDialog>
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title="Delete team"
          confirmLabel="Delete team"
          onClose={() => setDialog(null)}
          onConfirm={async () => {
            await api.delete(`/v1/teams/${id}`);
            await queryClient.invalidateQueries({ queryKey: ['teams'] });
            navigate('/teams');
          }}
        >
          <p className="warning">Deleting {team.data.name} removes its members' grants and revokes the tokens it issued; anything using them will get 401.</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function AttachDialog({ teamId, onClose, onDone }: { teamId: string; onClose: () => void; onDone: () => Promise<unknown> }) {
  const me = useMe();
  const catalogue = useCatalogue();
  const candidates = useQuery({ queryKey: ['org-tokens', { kind: 'service', status: 'active' }], queryFn: () => api.get<Page<Token>>('/v1/tokens?kind=service&status=active&limit=200') });
  const [tokenId, setTokenId] = useState('');
  const [scopes, setScopes] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title="Attach token" onClose={onClose} wide>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            await api.put(`/v1/teams/${teamId}/tokens/${tokenId}`, { scopes: [...scopes] });
            await onDone();
            onClose();
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        <label className="field">
          <span>Service token</span>
          <select value={tokenId} required onChange={(event) => setTokenId(event.target.value)}>
            <option value="">Choose a token…</option>
            {candidates.data?.data.map((token) => (
              <option key={token.id} value={token.id}>
                {token.name} ({token.prefix}…)
              </option>
            ))}
          </select>
        </label>
        <ErrorMessage error={candidates.error} />
        {catalogue.data && <ScopePicker legend="Grant in this team" catalogue={catalogue.data} allowed={me.data?.scopes ?? null} selected={scopes} onChange={setScopes} />}
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={!tokenId || scopes.size === 0}>
            Attach token
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function MemberGrantDialog({ teamId, member, onClose, onDone }: { teamId: string; member: TeamMember | null; onClose: () => void; onDone: () => Promise<unknown> }) {
  const me = useMe();
  const catalogue = useCatalogue();
  const people = useQuery({ queryKey: ['members'], queryFn: () => api.get<Page<Member>>('/v1/members?limit=200'), enabled: !member });
  const [userId, setUserId] = useState(member?.userId ?? '');
  const [scopes, setScopes] = useState<Set<string>>(new Set(member?.scopes ?? []));
  const [resources, setResources] = useState(member?.resources?.join(', ') ?? '');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title={member ? `Change grant of ${member.name}` : 'Add member'} onClose={onClose} wide>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          const list = resources
            .split(',')
            .map((item) => item.trim())
            .filter(Boolean);
          const body = { scopes: [...scopes], resources: list.length ? list : null };
          try {
            if (member) await api.patch(`/v1/teams/${teamId}/members/${member.userId}`, body);
            else await api.post(`/v1/teams/${teamId}/members`, { userId, ...body });
            await onDone();
            onClose();
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        {!member && (
          <label className="field">
            <span>Person</span>
            <select value={userId} required onChange={(event) => setUserId(event.target.value)}>
              <option value="">Choose a member…</option>
              {people.data?.data.map((person) => (
                <option key={person.userId} value={person.userId}>
                  {person.name} ({person.email})
                </option>
              ))}
            </select>
          </label>
        )}
        {catalogue.data && <ScopePicker legend="Grant in this team" catalogue={catalogue.data} allowed={me.data?.scopes ?? null} selected={scopes} onChange={setScopes} />}
        <label className="field">
          <span>Resources (optional, comma-separated ids)</span>
          <input value={resources} onChange={(event) => setResources(event.target.value)} placeholder="e.g. repo_1, repo_2" />
        </label>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={(!member && !userId) || scopes.size === 0}>
            {member ? 'Save grant' : 'Add member'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
