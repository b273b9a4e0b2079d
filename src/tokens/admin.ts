// Org-wide token administration (`tokens:admin`, SPEC §3): every token in the org,
// org API keys, roll or revoke any token, and mass revocation after a leak. The
// self-service scopes (`tokens:read` / `tokens:manage`) reach only the caller's own
// personal tokens (service.ts), so every role has those and none of them reach here.
import type { Ctx, Deps } from '../deps.js';
import type { TokensTable } from '../db/schema.js';
import { change } from '../db/change.js';
import { AppError } from '../errors.js';
import { auditActorOf, recordEvent } from '../audit/record.js';
import { mergeGrants, requireScope, type Grant } from '../permissions/engine.js';
import { assertGrantable, assertMayGiveRole, grantFrom } from '../permissions/escalation.js';
import { roleGrants, userGrants } from '../permissions/principals.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import type { ExpiryInput } from '../orgs/policy.js';
import { assertMayRoll, attachmentsByToken, mintServiceToken, revokeTokenRow, rollTokenRow, type MintedToken } from './service.js';
import { toTokenView, type TokenStatus, type TokenView } from './view.js';

export interface OrgTokenFilters extends PageRequest {
  kind?: 'personal' | 'service' | undefined;
  status?: TokenStatus | undefined;
  /** A user id (personal tokens) or service account id. */
  owner?: string | undefined;
  /** Tokens attached to or issued by this team. */
  team?: string | undefined;
}

/** Views for tokens of many owners: inherited grants per owner, attachments per token. */
export async function viewsOf(deps: Deps, orgId: string, rows: TokensTable[]): Promise<Map<string, TokenView>> {
  const now = deps.clock.now().toISOString();
  const attachments = await attachmentsByToken(deps, rows.map((r) => r.id));
  const owners = [...new Set(rows.filter((r) => r.owner_user_id !== null && r.grants === null).map((r) => r.owner_user_id as string))];
  const inherited = new Map<string, Grant[]>();
  if (owners.length > 0) {
    const memberships = await deps.db.selectFrom('memberships').select(['user_id', 'role']).where('org_id', '=', orgId).where('user_id', 'in', owners).execute();
    for (const m of memberships) inherited.set(m.user_id, await userGrants(deps.db, deps.config, orgId, m.user_id, m.role));
  }
  const views = new Map<string, TokenView>();
  for (const row of rows) {
    // Without grants of its own, a token holds its owner's live grants, or its fixed role's.
    const base = row.role !== null ? roleGrants(deps.config, row.role) : (inherited.get(row.owner_user_id ?? '') ?? []);
    views.set(row.id, toTokenView(row, now, { inherited: base, attachments: attachments.get(row.id) ?? [] }));
  }
  return views;
}

export async function listOrgTokens(deps: Deps, ctx: Ctx, filters: OrgTokenFilters): Promise<Page<TokenView>> {
  requireScope(ctx.actor.grants, { scope: 'tokens:admin' });
  const limit = pageLimit(filters);
  const after = decodeCursor(filters.cursor);
  const now = deps.clock.now().toISOString();
  const orgId = ctx.actor.org.id;
  let q = deps.db.selectFrom('tokens').selectAll().where('org_id', '=', orgId);
  if (after) q = q.where('id', '<', after);
  if (filters.kind) q = q.where('kind', '=', filters.kind);
  if (filters.owner) {
    const owner = filters.owner;
    q = q.where((eb) => eb.or([eb('owner_user_id', '=', owner), eb('service_account_id', '=', owner)]));
  }
  if (filters.team) {
    const team = filters.team;
    q = q.where((eb) =>
      eb.or([
        eb('team_id', '=', team),
        eb('id', 'in', eb.selectFrom('token_attachments').select('token_id').where('team_id', '=', team).where('org_id', '=', orgId)),
      ]),
    );
  }
  if (filters.status === 'revoked') q = q.where('revoked_at', 'is not', null);
  if (filters.status === 'active') q = q.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  if (filters.status === 'expired') q = q.where('revoked_at', 'is', null).where('expires_at', '<=', now);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  const views = await viewsOf(deps, orgId, rows);
  return toPage(rows, limit, (row) => views.get(row.id) as TokenView);
}

export async function loadOrgToken(deps: Deps, orgId: string, id: string): Promise<TokensTable> {
  const row = await deps.db.selectFrom('tokens').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No token ${id}`);
  return row;
}

export async function getOrgToken(deps: Deps, ctx: Ctx, id: string): Promise<TokenView> {
  requireScope(ctx.actor.grants, { scope: 'tokens:admin' });
  const row = await loadOrgToken(deps, ctx.actor.org.id, id);
  return (await viewsOf(deps, ctx.actor.org.id, [row])).get(row.id) as TokenView;
}

export interface OrgApiKeyInput extends ExpiryInput {
  name: string;
  role?: string | undefined;
  scopes?: string[] | undefined;
  resources?: string[] | undefined;
}

/** An org API key: a service token owned by the org, with a fixed role ≤ its creator's, or explicit scopes. */
export async function createOrgApiKey(deps: Deps, ctx: Ctx, input: OrgApiKeyInput): Promise<MintedToken> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'tokens:admin' });
  if ((input.role === undefined) === (input.scopes === undefined)) {
    throw new AppError('validation_failed', 'Give either role or scopes', { errors: [{ field: input.role === undefined ? 'role' : 'scopes', message: 'give exactly one of role and scopes' }] });
  }
  let grants: Grant[] | null = null;
  if (input.role !== undefined) {
    if (input.resources !== undefined) {
      throw new AppError('validation_failed', 'resources goes with scopes', { errors: [{ field: 'resources', message: 'give scopes with resources' }] });
    }
    assertMayGiveRole(deps, actor, input.role);
  } else {
    grants = [grantFrom(input.scopes as string[], input.resources)];
    assertGrantable(deps, actor, grants);
  }
  return mintServiceToken(deps, ctx, { ...input, grants, role: input.role ?? null, ownerKey: actor.org.id });
}

export async function rollOrgToken(deps: Deps, ctx: Ctx, id: string, gracePeriodSeconds = 0): Promise<MintedToken> {
  requireScope(ctx.actor.grants, { scope: 'tokens:admin' });
  return rollWithinPermissions(deps, ctx, await loadOrgToken(deps, ctx.actor.org.id, id), gracePeriodSeconds);
}

/**
 * Rolls any token of the org for a caller that manages it. The caller gets the
 * new secret, so it must hold all the token can do (its grants with its team
 * attachments, or its fixed role's) and must not expire before it.
 */
export async function rollWithinPermissions(deps: Deps, ctx: Ctx, row: TokensTable, gracePeriodSeconds: number): Promise<MintedToken> {
  const current = (await viewsOf(deps, ctx.actor.org.id, [row])).get(row.id) as TokenView;
  assertMayRoll(ctx.actor, row, mergeGrants([...current.grants, ...roleGrants(deps.config, row.role)]));
  const rolled = await rollTokenRow(deps, ctx, row, gracePeriodSeconds);
  const view = (await viewsOf(deps, ctx.actor.org.id, [rolled.row])).get(row.id) as TokenView;
  return { ...view, token: rolled.secret };
}

export async function revokeOrgToken(deps: Deps, ctx: Ctx, id: string): Promise<TokenView> {
  requireScope(ctx.actor.grants, { scope: 'tokens:admin' });
  const row = await loadOrgToken(deps, ctx.actor.org.id, id);
  const revoked = await revokeTokenRow(deps, ctx, row);
  return (await viewsOf(deps, ctx.actor.org.id, [revoked])).get(row.id) as TokenView;
}

/** Mass revocation after a leak: every live token in the org, one transaction, one audit event. */
export async function revokeAllOrgTokens(deps: Deps, ctx: Ctx, input: { kind?: 'personal' | 'service' | undefined }): Promise<{ revoked: number }> {
  requireScope(ctx.actor.grants, { scope: 'tokens:admin' });
  const now = deps.clock.now();
  return change(deps, ctx.actor.org.id, async (trx) => {
    let q = trx.updateTable('tokens').set({ revoked_at: now.toISOString() }).where('org_id', '=', ctx.actor.org.id).where('revoked_at', 'is', null);
    if (input.kind) q = q.where('kind', '=', input.kind);
    const rows = await q.returning('id').execute();
    await recordEvent(trx, deps.hasher, now, ctx.actor.org.id, auditActorOf(ctx.actor), ctx, {
      action: 'token.revoked_all',
      targetType: 'org',
      targetId: ctx.actor.org.id,
      metadata: { count: rows.length, kind: input.kind ?? 'all', tokenIds: rows.slice(0, 1000).map((r) => r.id) },
    });
    return { revoked: rows.length };
  });
}
