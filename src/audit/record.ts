// Writes audit events inside the caller's transaction, extending the org's hash
// chain. The org row is updated first, which serialises appends per org on both
// databases (a row lock on PostgreSQL, the single writer on SQLite).
import type { Kysely, Transaction } from 'kysely';
import type { Actor, CallMeta } from '../deps.js';
import type { AuditEventsTable, Database } from '../db/schema.js';
import { newId } from '../random.js';
import { eventHash } from './chain.js';

export interface AuditActor {
  type: 'user' | 'token' | 'system';
  id: string | null;
  name: string | null;
  prefix: string | null;
  userId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { type: 'system', id: null, name: 'latchkey', prefix: null, userId: null };

/** A token acts as itself (by name and display prefix), so automation is told apart from a person. */
export function auditActorOf(actor: Actor): AuditActor {
  const userId = actor.principal.type === 'user' ? actor.principal.id : null;
  if (actor.credential.type === 'token') {
    return { type: 'token', id: actor.credential.id, name: actor.credential.name, prefix: actor.credential.prefix, userId };
  }
  return { type: 'user', id: actor.principal.id, name: actor.principal.name, prefix: null, userId };
}

export interface AuditInput {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

export async function recordEvent(
  trx: Transaction<Database> | Kysely<Database>,
  at: Date,
  orgId: string,
  actor: AuditActor,
  meta: CallMeta,
  input: AuditInput,
): Promise<AuditEventsTable> {
  const head = await trx
    .updateTable('orgs')
    .set((eb) => ({ audit_seq: eb('audit_seq', '+', 1) }))
    .where('id', '=', orgId)
    .returning(['audit_seq', 'audit_head'])
    .executeTakeFirstOrThrow();
  const fields = {
    id: newId('evt', at),
    org_id: orgId,
    seq: Number(head.audit_seq),
    created_at: at.toISOString(),
    actor_type: actor.type,
    actor_id: actor.id,
    actor_name: actor.name,
    actor_prefix: actor.prefix,
    actor_user_id: actor.userId,
    action: input.action,
    target_type: input.targetType ?? null,
    target_id: input.targetId ?? null,
    request_id: meta.requestId,
    ip: meta.ip,
    user_agent: meta.userAgent,
    metadata: JSON.stringify(input.metadata ?? {}),
    prev_hash: head.audit_head,
  };
  const event: AuditEventsTable = { ...fields, hash: eventHash(fields) };
  await trx.insertInto('audit_events').values(event).execute();
  await trx.updateTable('orgs').set({ audit_head: event.hash }).where('id', '=', orgId).execute();
  return event;
}
