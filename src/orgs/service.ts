// The org itself: create (by a signed-in person), read, rename, change policy or plan.
import type { Kysely, Transaction } from 'kysely';
import type { Actor, Ctx, Deps } from '../deps.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { change } from '../db/change.js';
import { auditActorOf, recordEvent, type AuditActor } from '../audit/record.js';
import { requireScope } from '../permissions/engine.js';
import { newId } from '../random.js';
import type { CallMeta } from '../deps.js';
import { DEFAULT_POLICY, parsePolicy, type OrgPolicy } from './policy.js';
import { lockOrg } from '../db/lock.js';
import type { PlanDefinition } from '../config.js';
import type { Vocabulary } from '../config-schema.js';

export interface OrgView {
  id: string;
  name: string;
  plan: string;
  policy: OrgPolicy;
  seats: SeatsView;
  features: { auditLog: boolean };
  createdAt: string;
  preset: string | null;
  vocabulary: Vocabulary;
  plans: PlanDefinition[];
}

export interface SeatsView {
  limit: number | null;
  used: number;
  available: number | null;
  breakdown: { members: number; teamTokens: number; invitations: number };
}

export function requireSession(actor: Actor, what: string): void {
  if (actor.credential.type !== 'session') {
    throw new AppError('session_required', `${what} needs a signed-in person at the dashboard; no token can do it`);
  }
}

export function planOf(deps: Deps, name: string) {
  const plan = deps.config.plans.find((p) => p.name === name);
  return plan ?? { name, seatLimit: null, features: { auditLog: false } };
}

/**
 * Seats in use: each active membership and each team attachment of a live
 * service token. `db` may be a transaction: never reach for deps.db inside one
 * (SQLite has a single connection).
 */
export async function seatsOf(deps: Deps, db: Kysely<Database>, orgId: string, plan: string): Promise<SeatsView> {
  const members = await db
    .selectFrom('memberships')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  const attachments = await db
    .selectFrom('token_attachments as a')
    .innerJoin('tokens as t', 't.id', 'a.token_id')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('a.org_id', '=', orgId)
    .where('t.revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  const invitations = await db
    .selectFrom('invitations')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('org_id', '=', orgId)
    .where('accepted_at', 'is', null)
    .where('expires_at', '>', deps.clock.now().toISOString())
    .executeTakeFirstOrThrow();
  const breakdown = { members: Number(members.count), teamTokens: Number(attachments.count), invitations: Number(invitations.count) };
  const used = breakdown.members + breakdown.teamTokens;
  const limit = planOf(deps, plan).seatLimit;
  return { limit, used, available: limit === null ? null : Math.max(limit - used, 0), breakdown };
}

/** 409 seat_limit_reached unless one more seat fits the org's plan. */
export async function assertSeatFree(deps: Deps, trx: Transaction<Database>, orgId: string): Promise<void> {
  await lockOrg(trx, orgId);
  const org = await trx.selectFrom('orgs').select('plan').where('id', '=', orgId).executeTakeFirstOrThrow();
  const seats = await seatsOf(deps, trx, orgId, org.plan);
  if (seats.limit !== null && seats.used >= seats.limit) {
    throw new AppError('seat_limit_reached', `All ${seats.limit} seats of the ${org.plan} plan are taken`);
  }
}

/** Creates an org with `owner` as its owner, inside the caller's transaction. */
export async function insertOrgWithOwner(
  trx: Transaction<Database>,
  deps: Deps,
  meta: CallMeta,
  input: { name: string; ownerId: string; actor: AuditActor },
): Promise<{ id: string; name: string; plan: string }> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  const org = { id: newId('org', now), name: input.name, plan: deps.config.defaultPlan };
  await trx
    .insertInto('orgs')
    .values({ ...org, policy: JSON.stringify(DEFAULT_POLICY), created_at: nowIso, audit_seq: 0, audit_head: null })
    .execute();
  await trx
    .insertInto('memberships')
    .values({ org_id: org.id, user_id: input.ownerId, role: 'owner', status: 'active', created_at: nowIso, updated_at: nowIso })
    .execute();
  await recordEvent(trx, deps.hasher, now, org.id, input.actor, meta, { action: 'org.created', targetType: 'org', targetId: org.id, metadata: { name: org.name } });
  await recordEvent(trx, deps.hasher, now, org.id, input.actor, meta, {
    action: 'member.added',
    targetType: 'user',
    targetId: input.ownerId,
    metadata: { role: 'owner' },
  });
  return org;
}

export interface UserOrgView {
  id: string;
  name: string;
  plan: string;
  role: string;
  status: 'active' | 'suspended';
}

/** GET /v1/orgs: the orgs the signed-in person belongs to (the dashboard's org switcher). */
export async function listUserOrgs(deps: Deps, userId: string): Promise<{ data: UserOrgView[]; nextCursor: null }> {
  const rows = await deps.db
    .selectFrom('memberships')
    .innerJoin('orgs', 'orgs.id', 'memberships.org_id')
    .select(['orgs.id', 'orgs.name', 'orgs.plan', 'memberships.role', 'memberships.status'])
    .where('memberships.user_id', '=', userId)
    .orderBy('orgs.name')
    .orderBy('orgs.id')
    .execute();
  return { data: rows, nextCursor: null };
}

/** The plans this deployment offers, for choosing one in the dashboard. */
export function listPlans(deps: Deps) {
  return { data: deps.config.plans.map((plan) => ({ name: plan.name, seatLimit: plan.seatLimit, features: plan.features })), nextCursor: null };
}

/** POST /v1/orgs: session only; the caller becomes the new org's owner. */
export async function createOrg(deps: Deps, meta: CallMeta, userId: string, name: string): Promise<OrgView> {
  const user = await deps.db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirstOrThrow();
  const actor: AuditActor = { type: 'user', id: userId, name: user.name, prefix: null, userId };
  const org = await deps.db.transaction().execute((trx) => insertOrgWithOwner(trx, deps, meta, { name, ownerId: userId, actor }));
  return getOrgById(deps, org.id);
}

async function getOrgById(deps: Deps, orgId: string): Promise<OrgView> {
  const row = await deps.db.selectFrom('orgs').selectAll().where('id', '=', orgId).executeTakeFirstOrThrow();
  return {
    id: row.id,
    name: row.name,
    plan: row.plan,
    policy: parsePolicy(row.policy),
    seats: await seatsOf(deps, deps.db, row.id, row.plan),
    features: planOf(deps, row.plan).features,
    createdAt: row.created_at,
    preset: deps.config.preset,
    vocabulary: deps.config.vocabulary,
    plans: deps.config.plans,
  };
}

export async function getOrg(deps: Deps, ctx: Ctx): Promise<OrgView> {
  requireScope(ctx.actor.grants, { scope: 'org:read' });
  return getOrgById(deps, ctx.actor.org.id);
}

export async function getSeats(deps: Deps, ctx: Ctx): Promise<SeatsView> {
  requireScope(ctx.actor.grants, { scope: 'org:read' });
  return seatsOf(deps, deps.db, ctx.actor.org.id, ctx.actor.org.plan);
}

export interface OrgPatch {
  name?: string | undefined;
  plan?: string | undefined;
  policy?: Partial<OrgPolicy> | undefined;
}

export async function updateOrg(deps: Deps, ctx: Ctx, patch: OrgPatch): Promise<OrgView> {
  const { actor } = ctx;
  // Billing is never reachable by a token, whatever its scopes (checked first, so
  // a token learns nothing else about the request).
  if (patch.plan !== undefined) requireSession(actor, 'Changing the plan');
  requireScope(actor.grants, { scope: 'org:manage' });
  if (patch.plan !== undefined && !deps.config.plans.some((p) => p.name === patch.plan)) {
    throw new AppError('validation_failed', `Unknown plan ${patch.plan}`, { errors: [{ field: 'plan', message: `one of ${deps.config.plans.map((p) => p.name).join(', ')}` }] });
  }
  const now = deps.clock.now();
  await change(deps, actor.org.id, async (trx) => {
    const row = await trx.selectFrom('orgs').selectAll().where('id', '=', actor.org.id).executeTakeFirstOrThrow();
    const who = auditActorOf(actor);
    if (patch.name !== undefined && patch.name !== row.name) {
      await trx.updateTable('orgs').set({ name: patch.name }).where('id', '=', row.id).execute();
      await recordEvent(trx, deps.hasher, now, row.id, who, ctx, { action: 'org.renamed', targetType: 'org', targetId: row.id, metadata: { from: row.name, to: patch.name } });
    }
    if (patch.policy !== undefined) {
      const before = parsePolicy(row.policy);
      const after: OrgPolicy = { ...before, ...patch.policy };
      await trx.updateTable('orgs').set({ policy: JSON.stringify(after) }).where('id', '=', row.id).execute();
      await recordEvent(trx, deps.hasher, now, row.id, who, ctx, { action: 'org.policy_changed', targetType: 'org', targetId: row.id, metadata: { from: before, to: after } });
    }
    if (patch.plan !== undefined && patch.plan !== row.plan) {
      await trx.updateTable('orgs').set({ plan: patch.plan }).where('id', '=', row.id).execute();
      await recordEvent(trx, deps.hasher, now, row.id, who, ctx, { action: 'org.plan_changed', targetType: 'org', targetId: row.id, metadata: { from: row.plan, to: patch.plan } });
    }
  });
  return getOrgById(deps, actor.org.id);
}
