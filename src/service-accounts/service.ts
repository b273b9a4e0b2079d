// Service accounts: org-level machine principals with grants, not tied to any
// person. Their tokens are fixed at issuance and always limited by what the
// account holds now; deleting the account revokes its tokens in the same transaction.
import type { Transaction } from 'kysely';
import type { Ctx, Deps } from '../deps.js';
import type { Database, ServiceAccountsTable } from '../db/schema.js';
import { change } from '../db/change.js';
import { isUniqueViolation } from '../db/connect.js';
import { AppError } from '../errors.js';
import { auditActorOf, recordEvent } from '../audit/record.js';
import { requireScope, uncoveredScopes, type Grant } from '../permissions/engine.js';
import { assertGrantable, assertStillGrantable, grantFrom } from '../permissions/escalation.js';
import { grantOf, storedGrant } from '../permissions/principals.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { newId } from '../random.js';
import type { ExpiryInput } from '../orgs/policy.js';
import { loadOrgToken, rollWithinPermissions, viewsOf } from '../tokens/admin.js';
import type { LimitsInput } from '../tokens/limits.js';
import { mintServiceToken, revokeTokenRow, type MintedToken } from '../tokens/service.js';
import type { TokenView } from '../tokens/view.js';

export interface ServiceAccountView {
  id: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  grants: Grant[];
  createdAt: string;
  updatedAt: string;
}

function toView(row: ServiceAccountsTable): ServiceAccountView {
  const grant = grantOf(row, null);
  return { id: row.id, name: row.name, scopes: grant.scopes, resources: grant.resources, grants: [grant], createdAt: row.created_at, updatedAt: row.updated_at };
}

async function loadAccount(db: Deps['db'] | Transaction<Database>, orgId: string, id: string): Promise<ServiceAccountsTable> {
  const row = await db.selectFrom('service_accounts').selectAll().where('id', '=', id).where('org_id', '=', orgId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No service account ${id}`);
  return row;
}

function nameTaken(name: string): AppError {
  return new AppError('name_taken', `A service account named "${name}" already exists`, { errors: [{ field: 'name', message: 'already in use' }] });
}

export async function listServiceAccounts(deps: Deps, ctx: Ctx, page: PageRequest): Promise<Page<ServiceAccountView>> {
  requireScope(ctx.actor.grants, { scope: 'service_accounts:read' });
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = deps.db.selectFrom('service_accounts').selectAll().where('org_id', '=', ctx.actor.org.id).where('deleted_at', 'is', null);
  if (after) q = q.where('id', '<', after);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, toView);
}

export async function getServiceAccount(deps: Deps, ctx: Ctx, id: string): Promise<ServiceAccountView> {
  requireScope(ctx.actor.grants, { scope: 'service_accounts:read' });
  return toView(await loadAccount(deps.db, ctx.actor.org.id, id));
}

export async function createServiceAccount(deps: Deps, ctx: Ctx, input: { name: string; scopes: string[]; resources?: string[] | undefined }): Promise<ServiceAccountView> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  const grant = grantFrom(input.scopes, input.resources);
  assertGrantable(deps, actor, [grant]);
  const now = deps.clock.now().toISOString();
  const row: ServiceAccountsTable = {
    id: newId('sa', deps.clock.now()),
    org_id: actor.org.id,
    name: input.name,
    ...storedGrant(grant),
    created_at: now,
    updated_at: now,
    deleted_at: null,
  };
  await change(deps, actor.org.id, async (trx) => {
    await assertStillGrantable(trx, deps, actor, [grant]);
    const existing = await trx.selectFrom('service_accounts').select('id').where('org_id', '=', actor.org.id).where('name', '=', input.name).where('deleted_at', 'is', null).executeTakeFirst();
    if (existing) throw nameTaken(input.name);
    try {
      await trx.insertInto('service_accounts').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(input.name);
      throw error;
    }
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'service_account.created',
      targetType: 'service_account',
      targetId: row.id,
      metadata: { name: row.name, scopes: grant.scopes, resources: grant.resources },
    });
  });
  return toView(row);
}

/**
 * Changes name or grants. Narrowing narrows every token of the account at once
 * (tokens are intersected with the account's live grants); widening does not
 * widen tokens issued before (their own grants are fixed at issuance).
 */
export async function updateServiceAccount(
  deps: Deps,
  ctx: Ctx,
  id: string,
  patch: { name?: string | undefined; scopes?: string[] | undefined; resources?: string[] | null | undefined },
): Promise<ServiceAccountView> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  return change(deps, actor.org.id, async (trx) => {
    const row = await loadAccount(trx, actor.org.id, id);
    const current = grantOf(row, null);
    const next = grantFrom(patch.scopes ?? current.scopes, patch.resources === undefined ? current.resources : patch.resources);
    // Only what is added must be within the actor's own permissions.
    const added = uncoveredScopes([current], [next]);
    if (added.length > 0 || patch.resources !== undefined) {
      assertGrantable(deps, actor, [next]);
      await assertStillGrantable(trx, deps, actor, [next]);
    }
    const name = patch.name ?? row.name;
    if (name !== row.name) {
      const clash = await trx.selectFrom('service_accounts').select('id').where('org_id', '=', actor.org.id).where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
      if (clash) throw nameTaken(name);
    }
    const updated: ServiceAccountsTable = {
      ...row,
      name,
      ...storedGrant(next),
      updated_at: deps.clock.now().toISOString(),
    };
    await trx.updateTable('service_accounts').set({ name, scopes: updated.scopes, resources: updated.resources, updated_at: updated.updated_at }).where('id', '=', id).execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'service_account.updated',
      targetType: 'service_account',
      targetId: id,
      metadata: { from: { name: row.name, scopes: current.scopes, resources: current.resources }, to: { name, scopes: next.scopes, resources: next.resources } },
    });
    return toView(updated);
  });
}

export async function deleteServiceAccount(deps: Deps, ctx: Ctx, id: string): Promise<{ deleted: true; revokedTokens: number }> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  const now = deps.clock.now().toISOString();
  return change(deps, actor.org.id, async (trx) => {
    const row = await loadAccount(trx, actor.org.id, id);
    const revoked = await trx
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('org_id', '=', actor.org.id)
      .where('service_account_id', '=', id)
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await trx.updateTable('service_accounts').set({ deleted_at: now, updated_at: now }).where('id', '=', id).execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'service_account.deleted',
      targetType: 'service_account',
      targetId: id,
      metadata: { name: row.name, revokedTokens: revoked.map((r) => r.id) },
    });
    return { deleted: true as const, revokedTokens: revoked.length };
  });
}

export async function listServiceAccountTokens(deps: Deps, ctx: Ctx, id: string, page: PageRequest): Promise<Page<TokenView>> {
  requireScope(ctx.actor.grants, { scope: 'service_accounts:read' });
  await loadAccount(deps.db, ctx.actor.org.id, id);
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = deps.db.selectFrom('tokens').selectAll().where('org_id', '=', ctx.actor.org.id).where('service_account_id', '=', id);
  if (after) q = q.where('id', '<', after);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  const views = await viewsOf(deps, ctx.actor.org.id, rows);
  return toPage(rows, limit, (row) => views.get(row.id) as TokenView);
}

/** Issues a token for the account: its scopes default to the account's, and may only narrow them. */
export async function issueServiceAccountToken(
  deps: Deps,
  ctx: Ctx,
  id: string,
  input: ExpiryInput & LimitsInput & { name: string; scopes?: string[] | undefined; resources?: string[] | undefined },
): Promise<MintedToken> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  const account = await loadAccount(deps.db, actor.org.id, id);
  const accountGrant = grantOf(account, null);
  const grant = input.scopes === undefined ? accountGrant : grantFrom(input.scopes, input.resources ?? accountGrant.resources);
  const beyondAccount = uncoveredScopes([accountGrant], [grant]);
  if (beyondAccount.length > 0) {
    throw new AppError('forbidden', `The service account does not hold: ${beyondAccount.join(', ')}`, {
      errors: beyondAccount.map((s) => ({ field: 'scopes', message: `not held by the service account: ${s}` })),
    });
  }
  assertGrantable(deps, actor, [grant]);
  return mintServiceToken(deps, ctx, { ...input, grants: [grant], serviceAccountId: id, ownerKey: id });
}

async function loadAccountToken(deps: Deps, ctx: Ctx, id: string, tokenId: string) {
  await loadAccount(deps.db, ctx.actor.org.id, id);
  const token = await loadOrgToken(deps, ctx.actor.org.id, tokenId);
  if (token.service_account_id !== id) throw new AppError('not_found', `No token ${tokenId} for service account ${id}`);
  return token;
}

export async function rollServiceAccountToken(deps: Deps, ctx: Ctx, id: string, tokenId: string, gracePeriodSeconds = 0): Promise<MintedToken> {
  requireScope(ctx.actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  return rollWithinPermissions(deps, ctx, await loadAccountToken(deps, ctx, id, tokenId), gracePeriodSeconds);
}

export async function revokeServiceAccountToken(deps: Deps, ctx: Ctx, id: string, tokenId: string): Promise<TokenView> {
  requireScope(ctx.actor.grants, { scope: deps.config.requireScopeFor.serviceAccounts });
  const token = await loadAccountToken(deps, ctx, id, tokenId);
  const revoked = await revokeTokenRow(deps, ctx, token);
  return (await viewsOf(deps, ctx.actor.org.id, [revoked])).get(tokenId) as TokenView;
}
