// Members of an org: list, add (or invite), change role or status, remove.
// Nobody hands out or touches a role above their own, and an org always keeps
// an active owner.
import type { Transaction } from 'kysely';
import type { Ctx, Deps } from '../deps.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { change } from '../db/change.js';
import { auditActorOf, recordEvent } from '../audit/record.js';
import { normalizeEmail } from '../auth/service.js';
import { requireScope } from '../permissions/engine.js';
import { assertMayGiveRole } from '../permissions/escalation.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { newId } from '../random.js';
import { addSeconds } from '../clock.js';
import { generateToken } from '../tokens/format.js';
import { assertSeatFree } from '../orgs/service.js';

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'suspended';
  createdAt: string;
  updatedAt: string;
}

export interface InvitationView {
  id: string;
  email: string;
  role: string;
  status: 'invited';
  expiresAt: string;
  createdAt: string;
}

interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'suspended';
  created_at: string;
  updated_at: string;
}

function toMemberView(row: MemberRow): MemberView {
  return { userId: row.user_id, email: row.email, name: row.name, role: row.role, status: row.status, createdAt: row.created_at, updatedAt: row.updated_at };
}

function memberQuery(deps: Deps, orgId: string) {
  return deps.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['m.user_id', 'u.email', 'u.name', 'm.role', 'm.status', 'm.created_at', 'm.updated_at'])
    .where('m.org_id', '=', orgId);
}

export async function listMembers(deps: Deps, ctx: Ctx, page: PageRequest): Promise<Page<MemberView>> {
  requireScope(ctx.actor.grants, { scope: 'members:read' });
  const limit = pageLimit(page);
  const after = decodeCursor(page.cursor);
  let q = memberQuery(deps, ctx.actor.org.id);
  if (after) q = q.where('m.user_id', '<', after);
  const rows = await q.orderBy('m.user_id', 'desc').limit(limit + 1).execute();
  return toPage(rows.map((r) => ({ ...r, id: r.user_id })), limit, toMemberView);
}

export async function getMember(deps: Deps, ctx: Ctx, userId: string): Promise<MemberView> {
  requireScope(ctx.actor.grants, { scope: 'members:read' });
  const row = await memberQuery(deps, ctx.actor.org.id).where('m.user_id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No member ${userId}`);
  return toMemberView(row);
}

export type AddMemberResult = { member: MemberView; invitation: null; inviteToken: null } | { member: null; invitation: InvitationView; inviteToken: string };

export async function addMember(deps: Deps, ctx: Ctx, input: { email: string; role: string }): Promise<AddMemberResult> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'members:manage' });
  assertMayGiveRole(deps, actor, input.role);
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const who = auditActorOf(actor);
  return change(deps, actor.org.id, async (trx): Promise<AddMemberResult> => {
    const user = await trx.selectFrom('users').select(['id', 'email', 'name']).where('email', '=', email).executeTakeFirst();
    if (user) {
      const existing = await trx.selectFrom('memberships').select('user_id').where('org_id', '=', actor.org.id).where('user_id', '=', user.id).executeTakeFirst();
      if (existing) throw new AppError('already_member', `${email} is already a member`);
      await assertSeatFree(deps, trx, actor.org.id);
      await trx
        .insertInto('memberships')
        .values({ org_id: actor.org.id, user_id: user.id, role: input.role, status: 'active', created_at: nowIso, updated_at: nowIso })
        .execute();
      await recordEvent(trx, deps.hasher, now, actor.org.id, who, ctx, { action: 'member.added', targetType: 'user', targetId: user.id, metadata: { email, role: input.role } });
      const member = { userId: user.id, email: user.email, name: user.name, role: input.role, status: 'active' as const, createdAt: nowIso, updatedAt: nowIso };
      return { member, invitation: null, inviteToken: null };
    }
    // A new invitation replaces any pending one for the same email: only the newest link works.
    await trx.updateTable('invitations').set({ expires_at: nowIso }).where('org_id', '=', actor.org.id).where('email', '=', email).where('accepted_at', 'is', null).where('expires_at', '>', nowIso).execute();
    const inviteToken = generateToken(deps.config.tokenPrefix, 'inv');
    const invitation: InvitationView = {
      id: newId('inv', now),
      email,
      role: input.role,
      status: 'invited',
      expiresAt: addSeconds(now, deps.config.inviteTtlSeconds).toISOString(),
      createdAt: nowIso,
    };
    await trx
      .insertInto('invitations')
      .values({
        id: invitation.id,
        org_id: actor.org.id,
        email,
        role: input.role,
        token_hash: deps.hasher.hash(inviteToken, 'invite'),
        invited_by: actor.principal.id,
        created_at: nowIso,
        expires_at: invitation.expiresAt,
        accepted_at: null,
      })
      .execute();
    await recordEvent(trx, deps.hasher, now, actor.org.id, who, ctx, { action: 'member.invited', targetType: 'invitation', targetId: invitation.id, metadata: { email, role: input.role } });
    return { member: null, invitation, inviteToken };
  });
}

async function activeOwnersOtherThan(trx: Transaction<Database>, orgId: string, userId: string): Promise<number> {
  const { count } = await trx
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('role', '=', 'owner')
    .where('status', '=', 'active')
    .where('user_id', '!=', userId)
    .executeTakeFirstOrThrow();
  return Number(count);
}

async function loadMembership(trx: Transaction<Database>, orgId: string, userId: string) {
  const row = await trx.selectFrom('memberships').selectAll().where('org_id', '=', orgId).where('user_id', '=', userId).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No member ${userId}`);
  return row;
}

export async function updateMember(
  deps: Deps,
  ctx: Ctx,
  userId: string,
  patch: { role?: string | undefined; status?: 'active' | 'suspended' | undefined },
): Promise<MemberView> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'members:manage' });
  if (patch.role !== undefined) assertMayGiveRole(deps, actor, patch.role);
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const who = auditActorOf(actor);
  await change(deps, actor.org.id, async (trx) => {
    const current = await loadMembership(trx, actor.org.id, userId);
    assertMayGiveRole(deps, actor, current.role);
    const losesOwner = current.role === 'owner' && current.status === 'active' && ((patch.role !== undefined && patch.role !== 'owner') || patch.status === 'suspended');
    if (losesOwner && (await activeOwnersOtherThan(trx, actor.org.id, userId)) === 0) {
      throw new AppError('last_owner', 'This is the last active owner; make someone else owner first');
    }
    if (patch.status === 'active' && current.status !== 'active') await assertSeatFree(deps, trx, actor.org.id);
    const role = patch.role ?? current.role;
    const status = patch.status ?? current.status;
    await trx.updateTable('memberships').set({ role, status, updated_at: nowIso }).where('org_id', '=', actor.org.id).where('user_id', '=', userId).execute();
    if (role !== current.role) {
      await recordEvent(trx, deps.hasher, now, actor.org.id, who, ctx, { action: 'member.role_changed', targetType: 'user', targetId: userId, metadata: { from: current.role, to: role } });
    }
    if (status !== current.status) {
      await recordEvent(trx, deps.hasher, now, actor.org.id, who, ctx, {
        action: status === 'suspended' ? 'member.suspended' : 'member.reactivated',
        targetType: 'user',
        targetId: userId,
      });
    }
  });
  return getMember(deps, ctx, userId);
}

/** Removal revokes the member's personal tokens in this org, in the same transaction. */
export async function removeMember(deps: Deps, ctx: Ctx, userId: string): Promise<{ revokedTokens: number }> {
  const { actor } = ctx;
  requireScope(actor.grants, { scope: 'members:manage' });
  const now = deps.clock.now();
  return change(deps, actor.org.id, async (trx) => {
    const current = await loadMembership(trx, actor.org.id, userId);
    assertMayGiveRole(deps, actor, current.role);
    if (current.role === 'owner' && current.status === 'active' && (await activeOwnersOtherThan(trx, actor.org.id, userId)) === 0) {
      throw new AppError('last_owner', 'This is the last active owner; make someone else owner first');
    }
    const revoked = await trx
      .updateTable('tokens')
      .set({ revoked_at: now.toISOString() })
      .where('org_id', '=', actor.org.id)
      .where('owner_user_id', '=', userId)
      .where('kind', '=', 'personal')
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    // Team grants go with the membership: a later re-add must not bring them back.
    await trx.deleteFrom('team_members').where('org_id', '=', actor.org.id).where('user_id', '=', userId).execute();
    await trx.deleteFrom('memberships').where('org_id', '=', actor.org.id).where('user_id', '=', userId).execute();
    await recordEvent(trx, deps.hasher, now, actor.org.id, auditActorOf(actor), ctx, {
      action: 'member.removed',
      targetType: 'user',
      targetId: userId,
      metadata: { role: current.role, revokedTokens: revoked.map((r) => r.id) },
    });
    return { revokedTokens: revoked.length };
  });
}
