// Audit events as a table: time, actor (a token by name and prefix, a person by name), action, target, IP.
import type { AuditEvent } from '../../api/types';
import { EmptyState, RelativeTime } from '../../components/common';

export function actorLabel(event: AuditEvent): string {
  const { actor } = event;
  if (actor.type === 'token') return `${actor.name ?? 'token'} (${actor.prefix ?? '?'}…)`;
  if (actor.type === 'system') return 'Latchkey';
  return actor.name ?? actor.id ?? actor.type;
}

export function AuditTable({ events, caption }: { events: AuditEvent[]; caption: string }) {
  if (events.length === 0) return <EmptyState title="No events match.">Events appear here as people and tokens act; widen the filters to see more.</EmptyState>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id}>
              <td data-label="Time">
                <RelativeTime iso={event.createdAt} />
              </td>
              <td data-label="Actor">
                <div>
                  {actorLabel(event)}
                  <span className="muted small block">{event.actor.type === 'token' ? 'token' : event.actor.type === 'user' ? 'person' : event.actor.type}</span>
                </div>
              </td>
              <td data-label="Action">
                <code>{event.action}</code>
              </td>
              <td data-label="Target" className="small">{event.target.id ?? <span className="muted">—</span>}</td>
              <td data-label="IP" className="small">{event.ip ?? <span className="muted">—</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
