// Revocation with its consequences, inside the caller's transaction: the reason
// is kept on the token, the event recorded, and every token the revoked one
// minted (and theirs, down the tree) revoked with it (Vault's parent/child
// provenance, SPEC §10: a token minted by a token dies with it).
//
// The tree is followed when a token is revoked as a credential (one revocation,
// a revoke-all, a leak, reuse): whatever it minted may be in the same hands.
// Ownership changes do not follow it: removing a member, deleting a service
// account or a team revokes what they own, and a service token one of their
// tokens minted for the org survives, as the seeds require (service accounts and
// org API keys survive their creator, seeds 002 and 003).
import type { Transaction } from 'kysely';
import type { CallMeta, Deps } from '../deps.js';
import type { Database, TokensTable } from '../db/schema.js';
import { auditAction, recordEvents, type AuditActor, type AuditEntry } from '../audit/record.js';

/** Why a token was revoked when not by a plain request; shown as `revokedReason`. */
export type RevocationReason = 'reported' | 'leaked' | 'reuse_detected' | 'parent_revoked';

type Revoked = Pick<TokensTable, 'id' | 'name' | 'prefix' | 'kind'>;

// SQLite allows 32,766 bound parameters; stay far below for the `in` lists.
const CHUNK = 500;

/**
 * Revokes one live token, with its reason and extra audit events recorded before
 * its token.revoked (e.g. token.leaked); false when it was already revoked
 * (a concurrent revocation won, or it happened earlier), and then nothing is recorded.
 */
export async function revokeWithCause(
  trx: Transaction<Database>,
  deps: Deps,
  now: Date,
  row: TokensTable,
  cause: { reason: RevocationReason | null; actor: AuditActor; meta: CallMeta; before?: AuditEntry['input'][]; metadata?: Record<string, unknown> },
  /** Filled with the ids of every token revoked (this one and its descendants), for change()'s event. */
  revoked: string[] = [],
): Promise<boolean> {
  const nowIso = now.toISOString();
  const updated = await trx
    .updateTable('tokens')
    .set({ revoked_at: nowIso, revoked_reason: cause.reason })
    .where('id', '=', row.id)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  if (updated.length === 0) return false;
  const entries: AuditEntry[] = (cause.before ?? []).map((input) => ({ actor: cause.actor, meta: cause.meta, input }));
  entries.push({
    actor: cause.actor,
    meta: cause.meta,
    input: {
      action: auditAction(deps.config, 'token.revoked', row.kind),
      targetType: 'token',
      targetId: row.id,
      metadata: { name: row.name, prefix: row.prefix, kind: row.kind, ...(cause.reason ? { reason: cause.reason } : {}), ...cause.metadata },
    },
  });
  await recordEvents(trx, deps.hasher, now, row.org_id, entries);
  revoked.push(row.id, ...(await revokeDescendants(trx, deps, now, row.org_id, [row.id], cause.actor, cause.meta)));
  return true;
}

/**
 * Revokes the live tokens minted by the given tokens, then theirs, and so on,
 * each recorded as token.revoked with reason parent_revoked and its parent.
 * Only live tokens are walked: a revoked token's children were revoked with it.
 */
export async function revokeDescendants(
  trx: Transaction<Database>,
  deps: Deps,
  now: Date,
  orgId: string,
  parentIds: string[],
  actor: AuditActor,
  meta: CallMeta,
): Promise<string[]> {
  const all: string[] = [];
  let frontier = parentIds;
  while (frontier.length > 0) {
    const next: string[] = [];
    for (let i = 0; i < frontier.length; i += CHUNK) {
      const rows = await trx
        .updateTable('tokens')
        .set({ revoked_at: now.toISOString(), revoked_reason: 'parent_revoked' })
        .where('org_id', '=', orgId)
        .where('parent_token_id', 'in', frontier.slice(i, i + CHUNK))
        .where('revoked_at', 'is', null)
        .returning(['id', 'name', 'prefix', 'kind', 'parent_token_id'])
        .execute();
      await recordEvents(
        trx,
        deps.hasher,
        now,
        orgId,
        rows.map((child: Revoked & { parent_token_id: string | null }) => ({
          actor,
          meta,
          input: {
            action: auditAction(deps.config, 'token.revoked', child.kind),
            targetType: 'token',
            targetId: child.id,
            metadata: { name: child.name, prefix: child.prefix, kind: child.kind, reason: 'parent_revoked', parentTokenId: child.parent_token_id },
          },
        })),
      );
      for (const child of rows) next.push(child.id);
    }
    all.push(...next);
    frontier = next;
  }
  return all;
}
