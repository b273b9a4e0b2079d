// The outbox: every audit event of an org with a matching webhook becomes a
// delivery row in the same transaction that records the event, so an event is
// delivered if and only if it happened, even if the process dies right after.
import type { Transaction } from 'kysely';
import type { AuditEventsTable, Database, WebhookDeliveriesTable } from '../db/schema.js';
import { newId } from '../random.js';

/** `*`, an exact action (`token.revoked`), or a family (`token.*`, `service_account.*`). */
export const EVENT_PATTERN = '^(\\*|[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*(\\.\\*)?)$';

export function eventMatches(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => p === '*' || p === action || (p.endsWith('.*') && action.startsWith(p.slice(0, -1))));
}

/** The body of a delivery: `{ id, type, createdAt, data }`; data is the event's metadata with who, what and where. */
export function deliveryPayload(event: AuditEventsTable): string {
  const metadata = JSON.parse(event.metadata) as Record<string, unknown>;
  return JSON.stringify({
    id: event.id,
    type: event.action,
    createdAt: event.created_at,
    data: {
      ...metadata,
      orgId: event.org_id,
      actor: { type: event.actor_type, id: event.actor_id, name: event.actor_name, prefix: event.actor_prefix, userId: event.actor_user_id },
      target: { type: event.target_type, id: event.target_id },
      requestId: event.request_id,
      ip: event.ip,
    },
  });
}

/** Queues a delivery of each event to each of the org's active webhooks that subscribe to it. */
export async function enqueueDeliveries(trx: Transaction<Database>, orgId: string, events: readonly AuditEventsTable[]): Promise<number> {
  if (events.length === 0) return 0;
  const hooks = await trx
    .selectFrom('webhooks')
    .select(['id', 'events'])
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .where('deleted_at', 'is', null)
    .execute();
  if (hooks.length === 0) return 0;
  const rows: WebhookDeliveriesTable[] = [];
  for (const hook of hooks) {
    const patterns = JSON.parse(hook.events) as string[];
    for (const event of events) {
      if (!eventMatches(patterns, event.action)) continue;
      rows.push({
        id: newId('dlv', new Date(event.created_at)),
        webhook_id: hook.id,
        org_id: orgId,
        event_id: event.id,
        event_type: event.action,
        payload: deliveryPayload(event),
        status: 'pending',
        attempts: 0,
        created_at: event.created_at,
        next_attempt_at: event.created_at,
        claimed_until: null,
        claimed_by: null,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        delivered_at: null,
      });
    }
  }
  for (let i = 0; i < rows.length; i += 100) await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + 100)).execute();
  return rows.length;
}
