// Personal access tokens: mint, list, get, roll, revoke, revoke all. The rules of
// SPEC §3–4 live here; routes, CLI and MCP only adapt input and output.
import type { Transaction } from 'kysely';
import { addSeconds } from '../clock.js';
import type { Actor, Ctx, Deps } from '../deps.js';
import type { Database, TokensTable } from '../db/schema.js';
import { isUniqueViolation } from '../db/connect.js';
import { AppError } from '../errors.js';
import { change } from '../db/change.js';
import { auditAction, auditActorOf, recordEvent } from '../audit/record.js';
import { assertGrantable, assertStillGrantable, grantFrom } from '../permissions/escalation.js';
import { allows, intersectGrants, requireScope, uncoveredScopes, type Grant } from '../permissions/engine.js';
import { grantOf, parseGrants, roleGrants, storedGrant, userGrants } from '../permissions/principals.js';
import { assertSeatFree } from '../orgs/service.js';
import { parsePolicy, resolveExpiry, type ExpiryInput } from '../orgs/policy.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { newId } from '../random.js';
import { displayPrefix, generateToken } from './format.js';
import { toTokenView, type TokenStatus, type TokenView } from './view.js';
import { lockOrg } from '../db/lock.js';
import { revokeDescendants, revokeWithCause } from './revocation.js';
import { limitsOf, resolveLimits, storedLimits, type LimitsInput, type TokenLimits } from './limits.js';

export interface MintedToken extends TokenView {
  /** The plaintext: returned once, here, and never stored. */
  token: string;
}

export interface MintPersonalInput extends ExpiryInput, LimitsInput {
  name: string;
  scopes?: string[] | undefined;
  resources?: string[] | undefined;
}

export interface NewTokenFields {
  orgId: string;
  kind: 'personal' | 'service';
  ownerUserId: string | null;
  serviceAccountId: string | null;
  teamId?: string | null;
  role: string | null;
  ownerKey: string;
  name: string;
  grants: Grant[] | null;
  expiresAt: string | null;
  createdBy: Actor | null;
  limits?: TokenLimits;
  /** 'pending' when org policy makes it wait for an admin's approval. */
  approval?: 'pending' | 'approved' | null;
}

/** Inserts a token and its first secret; the only place a token is born. */
export async function insertToken(trx: Transaction<Database>, deps: Deps, fields: NewTokenFields): Promise<{ row: TokensTable; secret: string }> {
  const now = deps.clock.now();
  const existing = await trx
    .selectFrom('tokens')
    .select('id')
    .where('org_id', '=', fields.orgId)
    .where('owner_key', '=', fields.ownerKey)
    .where('name', '=', fields.name)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (existing) throw nameTaken(fields.name);

  const secret = generateToken(deps.config.tokenPrefix, fields.kind === 'personal' ? 'pat' : 'sat');
  const credential = fields.createdBy?.credential;
  const row: TokensTable = {
    id: newId('tok', now),
    org_id: fields.orgId,
    kind: fields.kind,
    owner_user_id: fields.ownerUserId,
    service_account_id: fields.serviceAccountId,
    team_id: fields.teamId ?? null,
    role: fields.role,
    owner_key: fields.ownerKey,
    name: fields.name,
    prefix: displayPrefix(secret, deps.config.tokenDisplayPrefixLength),
    grants: fields.grants === null ? null : JSON.stringify(fields.grants),
    expires_at: fields.expiresAt,
    created_at: now.toISOString(),
    created_by_type: credential ? (credential.type === 'token' ? 'token' : 'user') : 'system',
    created_by_id: credential ? (credential.type === 'token' ? credential.id : fields.createdBy!.principal.id) : null,
    parent_token_id: credential?.type === 'token' ? credential.id : null,
    revoked_at: null,
    rolled_at: null,
    last_used_at: null,
    last_used_ip: null,
    last_user_agent: null,
    ...storedLimits(fields.limits ?? { allowedIps: null, rateLimit: null }),
    revoked_reason: null,
    approval: fields.approval ?? null,
  };
  try {
    await trx.insertInto('tokens').values(row).execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw nameTaken(fields.name);
    throw error;
  }
  await trx
    .insertInto('token_secrets')
    .values({ hash: deps.hasher.hash(secret), token_id: row.id, created_at: row.created_at, retired_at: null, valid_until: null })
    .execute();
  return { row, secret };
}

function nameTaken(name: string): AppError {
  return new AppError('name_taken', `A live token named "${name}" already exists`, { errors: [{ field: 'name', message: 'already in use' }] });
}

/**
 * Managing one's own personal tokens is self-service for a person at the
 * dashboard; a token doing it needs the scope, so a narrow token cannot mint.
 */
function requireSelfService(actor: Actor, scope: 'tokens:read' | 'tokens:manage', tokenId?: string): string {
  if (actor.principal.type !== 'user') {
    // A non-user has no personal tokens: any id it names does not exist for it.
    if (tokenId !== undefined) throw new AppError('not_found', `No personal token ${tokenId}`);
    throw new AppError('forbidden', 'Personal access tokens belong to users; this credential is not a user');
  }
  if (actor.credential.type === 'token') requireScope(actor.grants, { scope });
  return actor.principal.id;
}

/** The grants a new token asks for, checked against the catalogue and the minter's own permissions. */
export function requestedGrants(deps: Deps, actor: Actor, scopes: string[] | undefined, resources: string[] | undefined): Grant[] | null {
  if (scopes === undefined) {
    if (resources !== undefined) {
      throw new AppError('validation_failed', 'resources needs scopes', { errors: [{ field: 'resources', message: 'give scopes with resources' }] });
    }
    return null;
  }
  const wanted = [grantFrom(scopes, resources)];
  // A personal token's own grants only narrow its owner's live permissions (effective
  // = live ∩ own), so a person (or a token of theirs that is not narrowed) may name
  // any scope they hold anywhere, in a team or on some resources: the intersection
  // keeps it there. A narrowed token must stay within its own narrowing, strictly.
  const narrowed = actor.credential.type === 'token' && actor.credential.ownGrants !== null;
  const heldSomewhere = actor.grants.map((g) => ({ team: null, scopes: g.scopes, resources: null }));
  assertGrantable(deps, narrowed ? actor : { ...actor, grants: heldSomewhere }, wanted);
  return wanted;
}

/** A new token's limits: as asked, within the minting token's own (a child cannot escape its parent's). */
async function mintLimits(deps: Deps, actor: Actor, input: LimitsInput): Promise<TokenLimits> {
  let parent: TokenLimits | null = null;
  if (actor.credential.type === 'token') {
    const row = await deps.db.selectFrom('tokens').select(['allowed_ips', 'rate_limit']).where('id', '=', actor.credential.id).executeTakeFirst();
    if (row) parent = limitsOf(row);
  }
  return resolveLimits(input, parent);
}

/** Who may approve personal tokens under policy requireApproval; their own new tokens need no approval. */
export const APPROVER_SCOPE = 'tokens:admin';

/** The tighter of the org policy's cap and the deployment's (config `personalTokens.maxPerUser`). */
function personalTokenLimit(deps: Deps, policyLimit: number | null): number | null {
  const configured = deps.config.personalTokens.maxPerUser;
  if (configured === null) return policyLimit;
  return policyLimit === null ? configured : Math.min(configured, policyLimit);
}

async function loadPolicy(deps: Deps, orgId: string) {
  const org = await deps.db.selectFrom('orgs').select('policy').where('id', '=', orgId).executeTakeFirstOrThrow();
  return parsePolicy(org.policy);
}

/**
 * Minting changes no verify answer: the new value was never presented (it is
 * fresh from the CSPRNG), so verifiers have nothing cached about it.
 */
const NO_VERIFY_ANSWER_CHANGES: readonly string[] = [];

export async function mintPersonalToken(deps: Deps, ctx: Ctx, input: MintPersonalInput): Promise<MintedToken> {
  const { actor } = ctx;
  const userId = requireSelfService(actor, 'tokens:manage');
  const now = deps.clock.now();
  if (deps.config.personalTokens.requireScopes && input.scopes === undefined) {
    throw new AppError('validation_failed', 'Name the scopes this token needs', { errors: [{ field: 'scopes', message: 'required' }] });
  }
  let grants = requestedGrants(deps, actor, input.scopes, input.resources);
  // A narrowed token that mints without naming scopes passes on its own narrowing, never more.
  if (grants === null && actor.credential.type === 'token') grants = actor.credential.ownGrants;
  const policy = await loadPolicy(deps, actor.org.id);
  const parentExpiry = actor.credential.type === 'token' ? actor.credential.expiresAt : null;
  const expiresAt = resolveExpiry(input, policy, now, parentExpiry, deps.config.tokenExpiry);
  const limits = await mintLimits(deps, actor, input);
  const approval = policy.requireApproval ? (allows(actor.grants, { scope: APPROVER_SCOPE }) ? 'approved' : 'pending') : null;
  const limit = personalTokenLimit(deps, policy.maxPersonalTokensPerUser);

  const { row, secret } = await change(deps, actor.org.id, async (trx) => {
    if (limit !== null) {
      await lockOrg(trx, actor.org.id);
      const { count } = await trx
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .where('org_id', '=', actor.org.id)
        .where('owner_user_id', '=', userId)
        .where('kind', '=', 'personal')
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]))
        .executeTakeFirstOrThrow();
      if (Number(count) >= limit) {
        throw new AppError('token_limit_reached', `This organization allows ${limit} personal token(s) per user`);
      }
    }
    const minted = await insertToken(trx, deps, {
      orgId: actor.org.id,
      kind: 'personal',
      ownerUserId: userId,
      serviceAccountId: null,
      role: null,
      ownerKey: userId,
      name: input.name,
      grants,
      expiresAt,
      createdBy: actor,
      limits,
      approval,
    });
    await recordEvent(trx, deps.hasher, now, actor.org.id, auditActorOf(actor), ctx, {
      action: auditAction(deps.config, 'token.minted', 'personal'),
      targetType: 'token',
      targetId: minted.row.id,
      metadata: { name: minted.row.name, prefix: minted.row.prefix, kind: 'personal', scopes: grants?.flatMap((g) => g.scopes) ?? null, expiresAt, ...limits, approval },
    });
    return minted;
  }, NO_VERIFY_ANSWER_CHANGES);
  return { ...toTokenView(row, now.toISOString(), { inherited: await ownerGrants(deps, actor) }), token: secret };
}

/** The owner's live permissions, shown on personal tokens that inherit them. */
async function ownerGrants(deps: Deps, actor: Actor): Promise<Grant[]> {
  if (actor.principal.type !== 'user' || !actor.role) return [];
  return userGrants(deps.db, deps.config, actor.org.id, actor.principal.id, actor.role);
}

export interface ListTokensQuery extends PageRequest {
  status?: TokenStatus | undefined;
}

export async function listPersonalTokens(deps: Deps, ctx: Ctx, query: ListTokensQuery): Promise<Page<TokenView>> {
  const userId = requireSelfService(ctx.actor, 'tokens:read');
  const limit = pageLimit(query);
  const after = decodeCursor(query.cursor);
  const now = deps.clock.now().toISOString();
  let q = deps.db
    .selectFrom('tokens')
    .selectAll()
    .where('org_id', '=', ctx.actor.org.id)
    .where('owner_user_id', '=', userId)
    .where('kind', '=', 'personal');
  if (after) q = q.where('id', '<', after);
  if (query.status === 'revoked') q = q.where('revoked_at', 'is not', null);
  if (query.status === 'active') {
    q = q.where('revoked_at', 'is', null).where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]));
  }
  if (query.status === 'expired') q = q.where('revoked_at', 'is', null).where('expires_at', '<=', now);
  const rows = await q.orderBy('id', 'desc').limit(limit + 1).execute();
  const inherited = await ownerGrants(deps, ctx.actor);
  return toPage(rows, limit, (row) => toTokenView(row, now, { inherited }));
}

async function loadOwnToken(deps: Deps, actor: Actor, userId: string, id: string): Promise<TokensTable> {
  const row = await deps.db
    .selectFrom('tokens')
    .selectAll()
    .where('id', '=', id)
    .where('org_id', '=', actor.org.id)
    .where('owner_user_id', '=', userId)
    .where('kind', '=', 'personal')
    .executeTakeFirst();
  if (!row) throw new AppError('not_found', `No personal token ${id}`);
  return row;
}

export async function getPersonalToken(deps: Deps, ctx: Ctx, id: string): Promise<TokenView> {
  const userId = requireSelfService(ctx.actor, 'tokens:read', id);
  const row = await loadOwnToken(deps, ctx.actor, userId, id);
  return toTokenView(row, deps.clock.now().toISOString(), { inherited: await ownerGrants(deps, ctx.actor) });
}

export const MAX_GRACE_SECONDS = 86_400;


/** New secret, same id and name; the old secret stops working now or after the grace period. */
export async function rollTokenRow(deps: Deps, ctx: Ctx, row: TokensTable, gracePeriodSeconds: number): Promise<{ row: TokensTable; secret: string }> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  if (row.kind === 'personal' && !deps.config.personalTokens.rollable) {
    throw new AppError('rotation_disabled', 'Personal tokens are not rolled here: create a new one, switch to it, then revoke the old one');
  }
  if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= nowIso)) {
    throw new AppError('token_inactive', `Token ${row.id} is ${row.revoked_at ? 'revoked' : 'expired'} and cannot be rolled`);
  }
  const secret = generateToken(deps.config.tokenPrefix, row.kind === 'personal' ? 'pat' : 'sat');
  const prefix = displayPrefix(secret, deps.config.tokenDisplayPrefixLength);
  await change(deps, row.org_id, async (trx) => {
    // Only the value being replaced gets a grace period; older ones end now.
    await trx
      .updateTable('token_secrets')
      .set({ valid_until: nowIso })
      .where('token_id', '=', row.id)
      .where('retired_at', 'is not', null)
      .where('valid_until', '>', nowIso)
      .execute();
    await trx
      .updateTable('token_secrets')
      .set({ retired_at: nowIso, valid_until: addSeconds(now, gracePeriodSeconds).toISOString() })
      .where('token_id', '=', row.id)
      .where('retired_at', 'is', null)
      .execute();
    await trx
      .insertInto('token_secrets')
      .values({ hash: deps.hasher.hash(secret), token_id: row.id, created_at: nowIso, retired_at: null, valid_until: null })
      .execute();
    await trx.updateTable('tokens').set({ prefix, rolled_at: nowIso }).where('id', '=', row.id).execute();
    await recordEvent(trx, deps.hasher, now, row.org_id, auditActorOf(ctx.actor), ctx, {
      action: auditAction(deps.config, 'token.rolled', row.kind),
      targetType: 'token',
      targetId: row.id,
      metadata: { name: row.name, previousPrefix: row.prefix, prefix, gracePeriodSeconds },
    });
  }, [row.id]);
  return { row: { ...row, prefix, rolled_at: nowIso }, secret };
}

/**
 * Rolling hands the caller a working secret of the rolled token, so it is minting
 * by another name (SPEC §3, no escalation): a credential may roll only a token
 * whose permissions it holds itself and, if it is a token, that does not outlive it.
 */
export function assertMayRoll(actor: Actor, row: TokensTable, tokenGrants: Grant[]): void {
  if (actor.credential.type === 'token' && actor.credential.id === row.id) return;
  const missing = uncoveredScopes(actor.grants, tokenGrants);
  if (missing.length > 0) {
    throw new AppError('forbidden', `Rolling ${row.id} would give this credential what it lacks: ${missing.join(', ')}`, {
      errors: missing.map((s) => ({ field: 'id', message: `the token holds ${s}, which this credential lacks` })),
    });
  }
  const parentExpiry = actor.credential.type === 'token' ? actor.credential.expiresAt : null;
  if (parentExpiry !== null && (row.expires_at === null || row.expires_at > parentExpiry)) {
    throw new AppError('forbidden', `This credential expires at ${parentExpiry} and cannot roll a token that outlives it`);
  }
}

export async function rollPersonalToken(deps: Deps, ctx: Ctx, id: string, gracePeriodSeconds = 0): Promise<MintedToken> {
  const userId = requireSelfService(ctx.actor, 'tokens:manage', id);
  const row = await loadOwnToken(deps, ctx.actor, userId, id);
  const live = await ownerGrants(deps, ctx.actor);
  const own = parseGrants(row.grants);
  assertMayRoll(ctx.actor, row, own === null ? live : intersectGrants(live, own));
  const rolled = await rollTokenRow(deps, ctx, row, gracePeriodSeconds);
  return { ...toTokenView(rolled.row, deps.clock.now().toISOString(), { inherited: await ownerGrants(deps, ctx.actor) }), token: rolled.secret };
}

/** Revocation is permanent (and takes the tokens it minted with it); revoking a revoked token changes nothing. */
export async function revokeTokenRow(deps: Deps, ctx: Ctx, row: TokensTable): Promise<TokensTable> {
  if (row.revoked_at !== null) return row;
  const now = deps.clock.now();
  // Filled during the transaction, read by change() after it: verifiers hear of the token and its descendants.
  const revoked: string[] = [];
  await change(deps, row.org_id, (trx) => revokeWithCause(trx, deps, now, row, { reason: null, actor: auditActorOf(ctx.actor), meta: ctx }, revoked), revoked);
  return { ...row, revoked_at: now.toISOString() };
}

export async function revokePersonalToken(deps: Deps, ctx: Ctx, id: string): Promise<TokenView> {
  const userId = requireSelfService(ctx.actor, 'tokens:manage', id);
  const row = await loadOwnToken(deps, ctx.actor, userId, id);
  const revoked = await revokeTokenRow(deps, ctx, row);
  return toTokenView(revoked, deps.clock.now().toISOString(), { inherited: await ownerGrants(deps, ctx.actor) });
}

export async function revokeAllPersonalTokens(deps: Deps, ctx: Ctx): Promise<{ revoked: number }> {
  const userId = requireSelfService(ctx.actor, 'tokens:manage');
  const now = deps.clock.now();
  return change(deps, ctx.actor.org.id, async (trx) => {
    const rows = await trx
      .updateTable('tokens')
      .set({ revoked_at: now.toISOString() })
      .where('org_id', '=', ctx.actor.org.id)
      .where('owner_user_id', '=', userId)
      .where('kind', '=', 'personal')
      .where('revoked_at', 'is', null)
      .returning('id')
      .execute();
    await recordEvent(trx, deps.hasher, now, ctx.actor.org.id, auditActorOf(ctx.actor), ctx, {
      action: auditAction(deps.config, 'token.revoked_all', 'personal'),
      targetType: 'user',
      targetId: userId,
      metadata: { count: rows.length, tokenIds: rows.map((r) => r.id) },
    });
    await revokeDescendants(trx, deps, now, ctx.actor.org.id, rows.map((r) => r.id), auditActorOf(ctx.actor), ctx);
    return { revoked: rows.length };
  });
}

export interface MintServiceInput extends ExpiryInput, LimitsInput {
  name: string;
  /** The token's own grants, fixed at issuance (null with `role`: the role's scopes). */
  grants: Grant[] | null;
  role?: string | null;
  serviceAccountId?: string | null;
  teamId?: string | null;
  /** Whose namespace the name is unique in: the service account, the team or the org. */
  ownerKey: string;
  /** Attach to the issuing team at once with this grant (takes a seat). */
  attachment?: Grant | null;
}

/** Issues a service token (org API key, service-account token or team token). Callers check permissions first. */
export async function mintServiceToken(deps: Deps, ctx: Ctx, input: MintServiceInput): Promise<MintedToken> {
  const { actor } = ctx;
  const now = deps.clock.now();
  const policy = await loadPolicy(deps, actor.org.id);
  const parentExpiry = actor.credential.type === 'token' ? actor.credential.expiresAt : null;
  const expiresAt = resolveExpiry(input, policy, now, parentExpiry, deps.config.tokenExpiry);
  const limits = await mintLimits(deps, actor, input);
  const { row, secret } = await change(deps, actor.org.id, async (trx) => {
    await assertStillGrantable(trx, deps, actor, [...(input.grants ?? roleGrants(deps.config, input.role ?? null)), ...(input.attachment ? [input.attachment] : [])]);
    if (input.attachment) await assertSeatFree(deps, trx, actor.org.id);
    const minted = await insertToken(trx, deps, {
      orgId: actor.org.id,
      kind: 'service',
      ownerUserId: null,
      serviceAccountId: input.serviceAccountId ?? null,
      teamId: input.teamId ?? null,
      role: input.role ?? null,
      ownerKey: input.ownerKey,
      name: input.name,
      grants: input.grants,
      expiresAt,
      createdBy: actor,
      limits,
    });
    const who = auditActorOf(actor);
    await recordEvent(trx, deps.hasher, now, actor.org.id, who, ctx, {
      action: auditAction(deps.config, 'token.minted', 'service'),
      targetType: 'token',
      targetId: minted.row.id,
      metadata: {
        name: minted.row.name,
        prefix: minted.row.prefix,
        kind: 'service',
        role: input.role ?? null,
        serviceAccountId: input.serviceAccountId ?? null,
        teamId: input.teamId ?? null,
        grants: input.grants,
        expiresAt,
        ...limits,
      },
    });
    if (input.attachment?.team) await insertAttachment(trx, deps, ctx, minted.row, input.attachment);
    return minted;
  }, NO_VERIFY_ANSWER_CHANGES);
  const attachments = input.attachment ? [input.attachment] : [];
  // A key with a fixed role shows that role's scopes: they are what it holds.
  return { ...toTokenView(row, now.toISOString(), { inherited: roleGrants(deps.config, row.role), attachments }), token: secret };
}

/** Attaches a service token to a team with a grant, recording it. The caller checks the seat. */
export async function insertAttachment(trx: Transaction<Database>, deps: Deps, ctx: Ctx, token: TokensTable, grant: Grant): Promise<void> {
  const now = deps.clock.now();
  await trx
    .insertInto('token_attachments')
    .values({
      token_id: token.id,
      team_id: grant.team as string,
      org_id: token.org_id,
      ...storedGrant(grant),
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    })
    .execute();
  await recordEvent(trx, deps.hasher, now, token.org_id, auditActorOf(ctx.actor), ctx, {
    action: 'token.attached',
    targetType: 'token',
    targetId: token.id,
    metadata: { name: token.name, prefix: token.prefix, teamId: grant.team, scopes: grant.scopes, resources: grant.resources },
  });
}

/** Team grants of each token, for views. */
export async function attachmentsByToken(deps: Deps, tokenIds: string[]): Promise<Map<string, Grant[]>> {
  const out = new Map<string, Grant[]>();
  if (tokenIds.length === 0) return out;
  const rows = await deps.db.selectFrom('token_attachments').selectAll().where('token_id', 'in', tokenIds).execute();
  for (const row of rows) {
    const list = out.get(row.token_id) ?? [];
    list.push(grantOf(row, row.team_id));
    out.set(row.token_id, list);
  }
  return out;
}
