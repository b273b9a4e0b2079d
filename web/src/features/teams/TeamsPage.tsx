// Teams: the list, a new team, and the seat meter.
import { useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useLocation } from 'wouter';
import { api } from '../../api/client';
import { can, useMe } from '../../api/queries';
import type { Page, Team } from '../../api/types';
import { Dialog } from '../../components/Dialog';
import { EmptyState, ErrorMessage, Loading, PageHeader, RelativeTime } from '../../components/common';
import { SeatMeter } from './SeatMeter';

export function TeamsPage() {
  const me = useMe();
  const teams = useQuery({ queryKey: ['teams'], queryFn: () => api.get<Page<Team>>('/v1/teams?limit=200') });
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageHeader title="Teams" description="Groups of people and tokens with grants limited to the team. Each team token takes a seat.">
        {can(me.data, 'teams:manage') && (
          <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
            New team
          </button>
        )}
      </PageHeader>
      <SeatMeter />
      {teams.isPending ? (
        <Loading what="teams" />
      ) : teams.error ? (
        <ErrorMessage error={teams.error} />
      ) : teams.data.data.length === 0 ? (
        <EmptyState title="No teams yet.">Make a team, add people with a grant, and issue team tokens for the team's automation.</EmptyState>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Teams</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {teams.data.data.map((team) => (
                <tr key={team.id}>
                  <th scope="row" className="name-cell">
                    <Link href={`/teams/${team.id}`}>{team.name}</Link>
                  </th>
                  <td>
                    <RelativeTime iso={team.createdAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && <NewTeamDialog onClose={() => setCreating(false)} />}
    </>
  );
}

function NewTeamDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  return (
    <Dialog title="New team" onClose={onClose}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            const team = await api.post<Team>('/v1/teams', { name: name.trim() });
            await queryClient.invalidateQueries({ queryKey: ['teams'] });
            onClose();
            navigate(`/teams/${team.id}`);
          } catch (caught) {
            setError(caught);
          }
        }}
      >
        <label className="field">
          <span>Name</span>
          <input value={name} required onChange={(event) => setName(event.target.value)} placeholder="e.g. platform" />
        </label>
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary">
            Create team
          </button>
        </div>
      </form>
    </Dialog>
  );
}
