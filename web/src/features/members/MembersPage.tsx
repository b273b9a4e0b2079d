// Members: invite (the link shown once), role per row, suspend/reactivate, remove.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { api, describeError } from '../../api/client';
import { can, useMe, useRoles } from '../../api/queries';
import type { Member, MemberAdded, Page } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { CopyOnceDialog } from '../../components/CopyOnceDialog';
import { Dialog } from '../../components/Dialog';
import { EmptyState, ErrorMessage, Loading, PageHeader, RelativeTime, StatusBadge } from '../../components/common';

export function MembersPage() {
  const queryClient = useQueryClient();
  const me = useMe();
  const roles = useRoles();
  const members = useQuery({ queryKey: ['members'], queryFn: () => api.get<Page<Member>>('/v1/members?limit=200') });
  const [inviting, setInviting] = useState(false);
  const [inviteLink, setInviteLink] = useState<string | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const [rowError, setRowError] = useState<string | null>(null);
  const canManage = can(me.data, 'members:manage');
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['members'] });

  async function change(member: Member, body: Partial<Pick<Member, 'role' | 'status'>>) {
    setRowError(null);
    try {
      await api.patch(`/v1/members/${member.userId}`, body);
      await refresh();
    } catch (error) {
      setRowError(describeError(error));
    }
  }

  return (
    <>
      <PageHeader title="Members" description="People in this organization and their roles. Suspending someone stops every token of theirs at once.">
        {canManage && (
          <button type="button" className="button button-primary" onClick={() => setInviting(true)}>
            Invite member
          </button>
        )}
      </PageHeader>
      {rowError && (
        <p role="alert" className="error">
          {rowError}
        </p>
      )}
      {members.isPending ? (
        <Loading what="members" />
      ) : members.error ? (
        <ErrorMessage error={members.error} />
      ) : members.data.data.length === 0 ? (
        <EmptyState title="No members yet.">Invite the people who should manage tokens here.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Members</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
                {canManage && (
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {members.data.data.map((member) => {
                const isMe = member.userId === me.data?.principal.id;
                return (
                  <tr key={member.userId}>
                    <th scope="row" className="name-cell">
                      {member.name}
                      {isMe && <span className="muted small"> (you)</span>}
                      <span className="muted small block">{member.email}</span>
                    </th>
                    <td>
                      {canManage && !isMe ? (
                        <select aria-label={`Role of ${member.name}`} value={member.role} onChange={(event) => void change(member, { role: event.target.value })}>
                          {roles.data?.data.map((role) => (
                            <option key={role.name} value={role.name}>
                              {role.name}
                            </option>
                          ))}
                        </select>
                      ) : (
                        member.role
                      )}
                    </td>
                    <td>
                      <StatusBadge status={member.status} />
                    </td>
                    <td>
                      <RelativeTime iso={member.createdAt} />
                    </td>
                    {canManage && (
                      <td className="actions">
                        {!isMe && (
                          <>
                            {member.status === 'active' ? (
                              <button type="button" className="button button-small" onClick={() => void change(member, { status: 'suspended' })}>
                                Suspend
                              </button>
                            ) : (
                              <button type="button" className="button button-small" onClick={() => void change(member, { status: 'active' })}>
                                Reactivate
                              </button>
                            )}
                            <button type="button" className="button button-small button-danger-outline" onClick={() => setRemoving(member)}>
                              Remove
                            </button>
                          </>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {inviting && (
        <InviteDialog
          roles={roles.data?.data.map((role) => role.name) ?? ['member']}
          onClose={() => setInviting(false)}
          onInvited={async (link) => {
            setInviting(false);
            if (link) setInviteLink(link);
            await refresh();
          }}
        />
      )}
      {inviteLink && (
        <CopyOnceDialog
          title="Invitation link"
          label="Invitation link"
          value={inviteLink}
          warning="Send this link to the person you invited. It is shown only now; whoever opens it can join as that person."
          onDone={() => setInviteLink(null)}
        />
      )}
      {removing && (
        <ConfirmDialog
          title="Remove member"
          confirmLabel="Remove member"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await api.delete(`/v1/members/${removing.userId}`);
            setRemoving(null);
            await refresh();
          }}
        >
          <p className="warning">
            {removing.name} leaves the organization: every personal token of theirs stops working at once (401) and their team grants are removed.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

function InviteDialog({ roles, onClose, onInvited }: { roles: string[]; onClose: () => void; onInvited: (link: string | null) => Promise<void> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState(roles.includes('member') ? 'member' : (roles[0] ?? 'member'));
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title="Invite member" onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            const result = await api.post<MemberAdded>('/v1/members', { email: email.trim(), role });
            await onInvited(result.inviteToken ? `${window.location.origin}/accept-invite#token=${encodeURIComponent(result.inviteToken)}` : null);
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        <label className="field">
          <span>Email</span>
          <input type="email" required value={email} onChange={(event) => setEmail(event.target.value)} autoComplete="off" />
        </label>
        <label className="field">
          <span>Role</span>
          <select value={role} onChange={(event) => setRole(event.target.value)}>
            {roles.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <p className="muted hint">Someone who already has an account joins at once; anyone else gets an invitation link.</p>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary">
            Invite
          </button>
        </div>
      </form>
    </Dialog>
  );
}
