// Teams: groups inside an org. Members hold a grant in the team; service tokens
// are issued by a team or attached to it with a grant, each taking a seat.
// Managing a team's members and tokens needs `team:manage` in that team.
import type { Transaction } from 'kysely';
import type { Ctx, Deps } from '../deps.js';
import type { Database, TeamsTable } from '../db/schema.js';
import { change } from '../db/change.js';
import { isUniqueViolation } from '../db/connect.js';
import { AppError } from '../errors.js';
import { auditActorOf, recordEvent } from '../audit/record.js';
import { requireScope, type Grant } from '../permissions/engine.js';
import { assertGrantable, assertStillGrantable, grantFrom } from '../permissions/escalation.js';
import { grantOf, storedGrant } from '../permissions/principals.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { newId } from '../random.js';
import type { ExpiryInput } from '../orgs/policy.js';
import { assertSeatFree } from '../orgs/service.js';
import { loadOrgToken, viewsOf } from '../tokens/admin.js';
import { insertAttachment, mintServiceToken, type MintedToken } from '../tokens/service.js';
import { tokenStatus, type TokenView } from '../tokens/view.js';

export interface TeamView {
  id: string;
  name: string;
  createdAt: string;
}

export interface TeamMemberView {
  userId: string;
  email: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  createdAt: string;
  updatedAt: string;
}

const toTeamView = (row: TeamsTable): TeamView => ({ id: row.id, name: row.name, createdAt: row.created_at });

async function loadTeam(db: Deps['db'] | Transaction<Database>, orgId: string, id: string): Promise<TeamsTable> {
  const row = await db.selectFrom('teams').selectAll().where('id', '=', id).where('org_id', '=', orgId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No team ${id}`);
  return row;
}

function nameTaken(name: string): AppError {
  return new AppError('name_taken', `A team named "${name}" already exists`, { errors: [{ field: 'name', message: 'already in use' }] });
}

/** Teams the caller may read: all of them org-wide, or the ones its team grants name. */
export async function listTeams(deps: Deps, ctx: Ctx, page: PageRequest): Promise<Page<TeamView>> {
  const { actor } = ctx;
  const readable = actor.grants.filter((g) => g.scopes.includes('teams:read'));
  if (readable.length === 0) requireScope(actor.grants, { scope: 'teams:read' });
  const orgWide = readable.some((g) => g.team === null);
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = deps.db.selectFrom('teams').selectAll().where('org_id', '=', actor.org.id);
  if (!orgWide) q = q.where('id', 'in', readable.map((g) => g.team as string));
  if (after) q = q.where('id', '<', after);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, toTeamView);
}

async function readableTeam(deps: Deps, ctx: Ctx, id: string): Promise<TeamsTable> {
  const team = await loadTeam(deps.db, ctx.actor.org.id, id);
  requireScope(ctx.actor.grants, { scope: 'teams:read', team: id });
  return team;
}

export async function getTeam(deps: Deps, ctx: Ctx, id: string): Promise<TeamView> {
  return toTeamView(await readableTeam(deps, ctx, id));
}

export async function createTeam(deps: Deps, ctx: Ctx, input: { name: string }): Promise<TeamView> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'teams:manage' });
  const row: TeamsTable = { id: newId('team', deps.clock.now()), org_id: actor.org.id, name: input.name, created_at: deps.clock.now().toISOString() };
  await change(deps, actor.org.id, async (trx) => {
    const clash = await trx.selectFrom('teams').select('id').where('org_id', '=', actor.org.id).where('name', '=', input.name).executeTakeFirst();
    if (clash) throw nameTaken(input.name);
    try {
      await trx.insertInto('teams').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error)) throw nameTaken(input.name);
      throw error;
    }
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, { action: 'team.created', targetType: 'team', targetId: row.id, metadata: { name: row.name } });
  });
  return toTeamView(row);
}

export async function renameTeam(deps: Deps, ctx: Ctx, id: string, input: { name: string }): Promise<TeamView> {
  const { actor } = ctx;
  await loadTeam(deps.db, actor.org.id, id);
  requireScope(actor.grants, { scope: 'teams:manage' });
  return change(deps, actor.org.id, async (trx) => {
    const team = await loadTeam(trx, actor.org.id, id);
    if (team.name === input.name) return toTeamView(team);
    const clash = await trx.selectFrom('teams').select('id').where('org_id', '=', actor.org.id).where('name', '=', input.name).executeTakeFirst();
    if (clash) throw nameTaken(input.name);
    await trx.updateTable('teams').set({ name: input.name }).where('id', '=', id).execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, { action: 'team.renamed', targetType: 'team', targetId: id, metadata: { from: team.name, to: input.name } });
    return toTeamView({ ...team, name: input.name });
  });
}

/** Deleting a team removes its member grants and attachments (freeing seats) and revokes the tokens it issued. */
export async function deleteTeam(deps: Deps, ctx: Ctx, id: string): Promise<{ deleted: true; revokedTokens: number; detachedTokens: number }> {
  const { actor } = ctx;
  await loadTeam(deps.db, actor.org.id, id);
  requireScope(actor.grants, { scope: 'teams:manage' });
  const now = deps.clock.now().toISOString();
  return change(deps, actor.org.id, async (trx) => {
    const team = await loadTeam(trx, actor.org.id, id);
    const revoked = await trx.updateTable('tokens').set({ revoked_at: now }).where('org_id', '=', actor.org.id).where('team_id', '=', id).where('revoked_at', 'is', null).returning('id').execute();
    const detached = await trx.deleteFrom('token_attachments').where('team_id', '=', id).returning('token_id').execute();
    await trx.deleteFrom('team_members').where('team_id', '=', id).execute();
    await trx.deleteFrom('teams').where('id', '=', id).execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'team.deleted',
      targetType: 'team',
      targetId: id,
      metadata: { name: team.name, revokedTokens: revoked.map((r) => r.id), detachedTokens: detached.map((r) => r.token_id) },
    });
    return { deleted: true as const, revokedTokens: revoked.length, detachedTokens: detached.length };
  });
}

// ---- members of a team

export async function listTeamMembers(deps: Deps, ctx: Ctx, id: string, page: PageRequest): Promise<Page<TeamMemberView>> {
  await readableTeam(deps, ctx, id);
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = deps.db
    .selectFrom('team_members as tm')
    .innerJoin('users as u', 'u.id', 'tm.user_id')
    .select(['tm.user_id as id', 'u.email', 'u.name', 'tm.scopes', 'tm.resources', 'tm.created_at', 'tm.updated_at'])
    .where('tm.team_id', '=', id);
  if (after) q = q.where('tm.user_id', '<', after);
  const rows = await q.orderBy('tm.user_id', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, (r) => {
    const grant = grantOf(r, id);
    return { userId: r.id, email: r.email, name: r.name, scopes: grant.scopes, resources: grant.resources, createdAt: r.created_at, updatedAt: r.updated_at };
  });
}

/** The team's members and tokens are managed with `team:manage` in the team; what is granted must be the actor's to give. */
async function managedTeam(deps: Deps, ctx: Ctx, id: string): Promise<TeamsTable> {
  const team = await loadTeam(deps.db, ctx.actor.org.id, id);
  requireScope(ctx.actor.grants, { scope: 'team:manage', team: id });
  return team;
}

export interface GrantInput {
  scopes: string[];
  resources?: string[] | null | undefined;
}

/** The grant asked for in a team the caller manages, checked against what the caller may give. */
async function grantInManagedTeam(deps: Deps, ctx: Ctx, id: string, input: GrantInput): Promise<Grant> {
  await managedTeam(deps, ctx, id);
  const grant = grantFrom(input.scopes, input.resources, id);
  assertGrantable(deps, ctx.actor, [grant]);
  return grant;
}

export async function addTeamMember(deps: Deps, ctx: Ctx, id: string, input: GrantInput & { userId: string }): Promise<TeamMemberView> {
  const { actor } = ctx;
  const grant = await grantInManagedTeam(deps, ctx, id, input);
  const now = deps.clock.now().toISOString();
  return change(deps, actor.org.id, async (trx) => {
    await assertStillGrantable(trx, deps, actor, [grant]);
    const user = await trx
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select(['u.id', 'u.email', 'u.name'])
      .where('m.org_id', '=', actor.org.id)
      .where('m.user_id', '=', input.userId)
      .executeTakeFirst();
    if (!user) throw new AppError('not_found', `No member ${input.userId} in this organization`);
    const existing = await trx.selectFrom('team_members').select('user_id').where('team_id', '=', id).where('user_id', '=', input.userId).executeTakeFirst();
    if (existing) throw new AppError('already_member', 'Already a member of this team; change their grant with PATCH');
    await trx
      .insertInto('team_members')
      .values({ team_id: id, user_id: user.id, org_id: actor.org.id, ...storedGrant(grant), created_at: now, updated_at: now })
      .execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'team.member_added',
      targetType: 'user',
      targetId: user.id,
      metadata: { teamId: id, scopes: grant.scopes, resources: grant.resources },
    });
    return { userId: user.id, email: user.email, name: user.name, scopes: grant.scopes, resources: grant.resources, createdAt: now, updatedAt: now };
  });
}

export async function updateTeamMember(deps: Deps, ctx: Ctx, id: string, userId: string, input: GrantInput): Promise<TeamMemberView> {
  const { actor } = ctx;
  const grant = await grantInManagedTeam(deps, ctx, id, input);
  const now = deps.clock.now().toISOString();
  return change(deps, actor.org.id, async (trx) => {
    await assertStillGrantable(trx, deps, actor, [grant]);
    const row = await trx
      .selectFrom('team_members as tm')
      .innerJoin('users as u', 'u.id', 'tm.user_id')
      .select(['u.email', 'u.name', 'tm.scopes', 'tm.resources', 'tm.created_at'])
      .where('tm.team_id', '=', id)
      .where('tm.user_id', '=', userId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found', `No member ${userId} in team ${id}`);
    await trx
      .updateTable('team_members')
      .set({ ...storedGrant(grant), updated_at: now })
      .where('team_id', '=', id)
      .where('user_id', '=', userId)
      .execute();
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'team.member_changed',
      targetType: 'user',
      targetId: userId,
      metadata: { teamId: id, from: grantOf(row, id), to: grant },
    });
    return { userId, email: row.email, name: row.name, scopes: grant.scopes, resources: grant.resources, createdAt: row.created_at, updatedAt: now };
  });
}

export async function removeTeamMember(deps: Deps, ctx: Ctx, id: string, userId: string): Promise<{ removed: true }> {
  const { actor } = ctx;
  await managedTeam(deps, ctx, id);
  return change(deps, actor.org.id, async (trx) => {
    const gone = await trx.deleteFrom('team_members').where('team_id', '=', id).where('user_id', '=', userId).returning('user_id').execute();
    if (gone.length === 0) throw new AppError('not_found', `No member ${userId} in team ${id}`);
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, { action: 'team.member_removed', targetType: 'user', targetId: userId, metadata: { teamId: id } });
    return { removed: true as const };
  });
}

// ---- tokens of a team

export async function listTeamTokens(deps: Deps, ctx: Ctx, id: string, page: PageRequest): Promise<Page<TokenView>> {
  await readableTeam(deps, ctx, id);
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = deps.db
    .selectFrom('tokens')
    .selectAll()
    .where('org_id', '=', ctx.actor.org.id)
    .where((eb) => eb.or([eb('team_id', '=', id), eb('id', 'in', eb.selectFrom('token_attachments').select('token_id').where('team_id', '=', id))]));
  if (after) q = q.where('id', '<', after);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  const views = await viewsOf(deps, ctx.actor.org.id, rows);
  return toPage(rows, limit, (row) => views.get(row.id) as TokenView);
}

/** Issues a new team token: a service token owned by the team, attached to it with the grant (takes a seat). */
export async function issueTeamToken(deps: Deps, ctx: Ctx, id: string, input: ExpiryInput & GrantInput & { name: string }): Promise<MintedToken> {
  const grant = await grantInManagedTeam(deps, ctx, id, input);
  return mintServiceToken(deps, ctx, { ...input, grants: [], teamId: id, ownerKey: id, attachment: grant });
}

/** Attaches an existing service token with a grant (a new attachment takes a seat), or changes its grant. */
export async function attachTeamToken(deps: Deps, ctx: Ctx, id: string, tokenId: string, input: GrantInput): Promise<TokenView> {
  const { actor } = ctx;
  await managedTeam(deps, ctx, id);
  const token = await loadOrgToken(deps, actor.org.id, tokenId);
  if (token.kind !== 'service') throw new AppError('validation_failed', 'Only service tokens can be attached to a team', { errors: [{ field: 'tokenId', message: 'a personal token' }] });
  if (tokenStatus(token, deps.clock.now().toISOString()) !== 'active') throw new AppError('token_inactive', `Token ${tokenId} is not active`);
  const grant: Grant = grantFrom(input.scopes, input.resources, id);
  assertGrantable(deps, actor, [grant]);
  const now = deps.clock.now();
  await change(deps, actor.org.id, async (trx) => {
    await assertStillGrantable(trx, deps, actor, [grant]);
    const existing = await trx.selectFrom('token_attachments').selectAll().where('token_id', '=', tokenId).where('team_id', '=', id).executeTakeFirst();
    if (!existing) {
      await assertSeatFree(deps, trx, actor.org.id);
      await insertAttachment(trx, deps, ctx, token, grant);
      return;
    }
    await trx
      .updateTable('token_attachments')
      .set({ ...storedGrant(grant), updated_at: now.toISOString() })
      .where('token_id', '=', tokenId)
      .where('team_id', '=', id)
      .execute();
    await recordEvent(trx, deps.hasher, now, actor.org.id, auditActorOf(actor), ctx, {
      action: 'token.attachment_changed',
      targetType: 'token',
      targetId: tokenId,
      metadata: { name: token.name, prefix: token.prefix, teamId: id, from: grantOf(existing, id), to: grant },
    });
  }, [tokenId]);
  return (await viewsOf(deps, actor.org.id, [token])).get(tokenId) as TokenView;
}

/** Detaches a token from the team (frees its seat); its grants in the team end on the next request. */
export async function detachTeamToken(deps: Deps, ctx: Ctx, id: string, tokenId: string): Promise<TokenView> {
  const { actor } = ctx;
  await managedTeam(deps, ctx, id);
  const token = await loadOrgToken(deps, actor.org.id, tokenId);
  await change(deps, actor.org.id, async (trx) => {
    const gone = await trx.deleteFrom('token_attachments').where('token_id', '=', tokenId).where('team_id', '=', id).returning('token_id').execute();
    if (gone.length === 0) throw new AppError('not_found', `Token ${tokenId} is not attached to team ${id}`);
    await recordEvent(trx, deps.hasher, deps.clock.now(), actor.org.id, auditActorOf(actor), ctx, {
      action: 'token.detached',
      targetType: 'token',
      targetId: tokenId,
      metadata: { name: token.name, prefix: token.prefix, teamId: id },
    });
  }, [tokenId]);
  return (await viewsOf(deps, actor.org.id, [token])).get(tokenId) as TokenView;
}

