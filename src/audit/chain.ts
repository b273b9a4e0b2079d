// The per-org hash chain: each event's hash covers its content and the previous
// event's hash, so editing or deleting a row breaks every link after it. The hash
// is an HMAC under the server pepper, which never lives in the database, so
// someone who can write to the database cannot rebuild a consistent chain.
import type { AuditEventsTable } from '../db/schema.js';
import type { SecretHasher } from '../tokens/hashing.js';

type ChainedFields = Omit<AuditEventsTable, 'hash'>;

export function eventHash(hasher: SecretHasher, event: ChainedFields): string {
  const canonical = JSON.stringify([
    event.prev_hash,
    event.id,
    event.org_id,
    event.seq,
    event.created_at,
    event.actor_type,
    event.actor_id,
    event.actor_name,
    event.actor_prefix,
    event.actor_user_id,
    event.action,
    event.target_type,
    event.target_id,
    event.request_id,
    event.ip,
    event.user_agent,
    event.metadata,
  ]);
  return hasher.hash(canonical, 'audit-chain');
}

export interface ChainBreak {
  orgId: string;
  seq: number;
  eventId: string | null;
  reason: string;
}

/** Walks one org's events in order; returns the first broken link, or null. */
export function findBreak(hasher: SecretHasher, orgId: string, events: AuditEventsTable[], head: { seq: number; hash: string | null }): ChainBreak | null {
  let prev: string | null = null;
  let expectedSeq = 1;
  for (const event of events) {
    if (Number(event.seq) !== expectedSeq) {
      return { orgId, seq: expectedSeq, eventId: null, reason: `event ${expectedSeq} is missing` };
    }
    if (event.prev_hash !== prev) {
      return { orgId, seq: expectedSeq, eventId: event.id, reason: 'previous-hash link does not match' };
    }
    if (eventHash(hasher, event) !== event.hash) {
      return { orgId, seq: expectedSeq, eventId: event.id, reason: 'event content does not match its hash' };
    }
    prev = event.hash;
    expectedSeq++;
  }
  if (expectedSeq - 1 !== Number(head.seq) || prev !== head.hash) {
    return { orgId, seq: expectedSeq, eventId: null, reason: `the chain ends at event ${expectedSeq - 1} but the org records ${head.seq}` };
  }
  return null;
}
