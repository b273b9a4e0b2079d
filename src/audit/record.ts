// Writes audit events inside the caller's transaction, extending the org's hash
// chain. The org row is updated first, which serialises appends per org on both
// databases (a row lock on PostgreSQL, the single writer on SQLite).
import type { Transaction } from 'kysely';
import type { Config } from '../config.js';
import type { Actor, CallMeta } from '../deps.js';
import type { AuditEventsTable, Database } from '../db/schema.js';
import { newId } from '../random.js';
import { eventHash } from './chain.js';
import type { SecretHasher } from '../tokens/hashing.js';
import { enqueueDeliveries } from '../webhooks/outbox.js';

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

/**
 * The name an action is recorded under: config `audit.actionNames` may rename it,
 * for one token kind (`token.minted:personal`) or for all (`token.minted`).
 */
export function auditAction(config: Pick<Config, 'audit'>, action: string, tokenKind?: 'personal' | 'service'): string {
  const names = config.audit.actionNames;
  return (tokenKind !== undefined ? names[`${action}:${tokenKind}`] : undefined) ?? names[action] ?? action;
}

export interface AuditInput {
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

export async function recordEvent(
  trx: Transaction<Database>,
  hasher: SecretHasher,
  at: Date,
  orgId: string,
  actor: AuditActor,
  meta: CallMeta,
  input: AuditInput,
): Promise<AuditEventsTable> {
  const [event] = await recordEvents(trx, hasher, at, orgId, [{ actor, meta, input }]);
  return event as AuditEventsTable;
}

export interface AuditEntry {
  actor: AuditActor;
  meta: CallMeta;
  input: AuditInput;
}

/**
 * Appends events to one org's chain in order: one org-row update claims the
 * sequence numbers (and, on PostgreSQL, locks the chain until commit), one
 * insert writes them all, one update moves the head; then the org's matching
 * webhooks get a delivery each (webhooks/outbox.ts).
 */
export async function recordEvents(trx: Transaction<Database>, hasher: SecretHasher, at: Date, orgId: string, entries: AuditEntry[]): Promise<AuditEventsTable[]> {
  if (entries.length === 0) return [];
  const head = await trx
    .updateTable('orgs')
    .set((eb) => ({ audit_seq: eb('audit_seq', '+', entries.length) }))
    .where('id', '=', orgId)
    .returning(['audit_seq', 'audit_head'])
    .executeTakeFirstOrThrow();
  let seq = Number(head.audit_seq) - entries.length;
  let prev = head.audit_head;
  const events = entries.map(({ actor, meta, input }): AuditEventsTable => {
    const fields = {
      id: newId('evt', at),
      org_id: orgId,
      seq: ++seq,
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
      prev_hash: prev,
    };
    const event = { ...fields, hash: eventHash(hasher, fields) };
    prev = event.hash;
    return event;
  });
  await trx.insertInto('audit_events').values(events).execute();
  await trx.updateTable('orgs').set({ audit_head: prev }).where('id', '=', orgId).execute();
  // Webhooks hear of every event, queued in this same transaction.
  await enqueueDeliveries(trx, orgId, events);
  return events;
}
