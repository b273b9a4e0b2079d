// Turns a presented token or session cookie into a live Actor. Every request and
// every /v1/verify call goes through here, so permissions are always evaluated
// from current state (SPEC §3): a role change, suspension, removal, team
// attach/detach or service-account change counts at once.
import type { Actor, Deps, Principal } from '../deps.js';
import { intersectGrants, mergeGrants, type Grant } from '../permissions/engine.js';
import { attachmentGrants, grantOf, parseGrants, roleGrants, userGrants } from '../permissions/principals.js';
import { parseToken } from '../tokens/format.js';
import type { Kysely } from 'kysely';
import type { Database, TokensTable } from '../db/schema.js';
import { runPrepared } from '../db/prepared.js';

export type TokenFailure = 'MALFORMED' | 'NOT_FOUND' | 'REVOKED' | 'EXPIRED' | 'SUSPENDED' | 'APPROVAL_PENDING';

export type TokenResolution =
  | { ok: true; actor: Actor; token: TokensTable; secretValidUntil: string | null }
  | {
      ok: false;
      code: TokenFailure;
      token: TokensTable | null;
      orgId: string | null;
      /** A rolled-away secret presented after its grace period: the caller revokes the token (reuse detection, tokens/leaks.ts). */
      reusedSecret?: true;
    };

/** Everything verification needs about a token, in one query by its secret's hash. */
function tokenLookup(db: Kysely<Database>) {
  return db
    .selectFrom('token_secrets as s')
    .innerJoin('tokens as t', 't.id', 's.token_id')
    .innerJoin('orgs as o', 'o.id', 't.org_id')
    .leftJoin('memberships as m', (join) => join.onRef('m.org_id', '=', 't.org_id').onRef('m.user_id', '=', 't.owner_user_id'))
    .leftJoin('users as u', 'u.id', 't.owner_user_id')
    .leftJoin('service_accounts as sa', 'sa.id', 't.service_account_id')
    .selectAll('t')
    .select([
      's.hash as secret_hash',
      's.retired_at as secret_retired_at',
      's.valid_until as secret_valid_until',
      'o.name as org_name',
      'o.plan as org_plan',
      'm.role as member_role',
      'm.status as member_status',
      'u.name as user_name',
      'u.email as user_email',
      'sa.name as sa_name',
      'sa.scopes as sa_scopes',
      'sa.resources as sa_resources',
      'sa.deleted_at as sa_deleted_at',
    ])
    .where('s.hash', '=', '');
}

/** Resolves a bearer token. Malformed input never reaches the database. */
export async function resolveToken(deps: Deps, presented: string): Promise<TokenResolution> {
  const parsed = parseToken(presented, deps.config.tokenPrefix);
  if (!parsed || parsed.kind === 'inv') return { ok: false, code: 'MALFORMED', token: null, orgId: null };
  const hash = deps.hasher.hash(presented);
  const [row] = await runPrepared(deps.db, 'resolveToken', tokenLookup, [hash]);
  if (!row || !deps.hasher.equals(row.secret_hash, hash)) return { ok: false, code: 'NOT_FOUND', token: null, orgId: null };

  const {
    secret_hash: _hash,
    secret_retired_at: retiredAt,
    secret_valid_until: validUntil,
    org_name: orgName,
    org_plan: orgPlan,
    member_role: memberRole,
    member_status: memberStatus,
    user_name: userName,
    user_email: userEmail,
    sa_name: saName,
    sa_scopes: saScopes,
    sa_resources: saResources,
    sa_deleted_at: saDeletedAt,
    ...token
  } = row;
  const now = deps.clock.now().toISOString();
  const fail = (code: TokenFailure): TokenResolution => ({ ok: false, code, token, orgId: token.org_id });

  if (token.revoked_at !== null) return fail('REVOKED');
  // A rolled-away secret works only during its grace period.
  if (retiredAt !== null && (validUntil === null || validUntil <= now)) return { ...fail('REVOKED'), reusedSecret: true } as TokenResolution;
  if (token.expires_at !== null && token.expires_at <= now) return fail('EXPIRED');
  if (token.approval === 'pending') return fail('APPROVAL_PENDING');

  const ownGrants = parseGrants(token.grants);
  const org = { id: token.org_id, name: orgName, plan: orgPlan };
  const credential = {
    type: 'token' as const,
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    kind: token.kind,
    expiresAt: token.expires_at,
    ownGrants,
  };
  const secretValidUntil = retiredAt !== null ? validUntil : null;
  const ok = (principal: Principal, role: string | null, grants: Grant[]): TokenResolution => ({
    ok: true,
    token,
    secretValidUntil,
    actor: { org, principal, credential, role, grants },
  });

  if (token.kind === 'personal') {
    // Effective = the owner's live permissions ∩ the token's own narrowing.
    if (memberRole === null || memberStatus === null || userName === null || userEmail === null) return fail('REVOKED');
    if (memberStatus !== 'active') return fail('SUSPENDED');
    const live = await userGrants(deps.db, deps.config, token.org_id, token.owner_user_id as string, memberRole);
    const grants = ownGrants === null ? live : intersectGrants(live, ownGrants);
    return ok({ type: 'user', id: token.owner_user_id as string, name: userName, email: userEmail }, memberRole, grants);
  }

  // A service token: its grants fixed at issuance (or its fixed role's), plus its
  // team attachments as they are now; a service account's token is further
  // limited by what the account holds now (narrowing it narrows its tokens),
  // unless the deployment keeps the scopes a token had at issuance
  // (config serviceAccounts.snapshotScopesAtIssuance).
  const held = mergeGrants([...(ownGrants ?? roleGrants(deps.config, token.role)), ...(await attachmentGrants(deps.db, token.id))]);
  if (token.service_account_id !== null) {
    if (saName === null || saScopes === null || saDeletedAt !== null) return fail('REVOKED');
    const principal = { type: 'service_account' as const, id: token.service_account_id, name: saName };
    if (deps.config.serviceAccounts.snapshotScopesAtIssuance) return ok(principal, null, held);
    const account = [grantOf({ scopes: saScopes, resources: saResources }, null)];
    return ok(principal, null, intersectGrants(held, account));
  }
  return ok({ type: 'org', id: org.id, name: org.name }, token.role, held);
}

export type SessionResolution =
  | { ok: true; actor: Actor | null; userId: string; sessionId: string }
  | { ok: false; code: 'unauthorized' | 'session_expired' | 'account_suspended' | 'org_not_found' };

/**
 * Resolves a session cookie. The org is the one named by `Latchkey-Org`, else the
 * session's default. `actor` is null when the user has no org to act in.
 */
export async function resolveSession(deps: Deps, secret: string, orgHeader: string | undefined): Promise<SessionResolution> {
  if (secret.length < 20 || secret.length > 128) return { ok: false, code: 'unauthorized' };
  const session = await deps.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.id', 's.user_id', 's.org_id', 's.expires_at', 'u.name', 'u.email'])
    .where('s.secret_hash', '=', deps.hasher.hash(secret, 'session'))
    .executeTakeFirst();
  if (!session) return { ok: false, code: 'unauthorized' };
  if (session.expires_at <= deps.clock.now().toISOString()) return { ok: false, code: 'session_expired' };

  const orgId = orgHeader ?? session.org_id;
  const base = { ok: true as const, userId: session.user_id, sessionId: session.id };
  if (!orgId) return { ...base, actor: null };
  const membership = await deps.db
    .selectFrom('memberships as m')
    .innerJoin('orgs as o', 'o.id', 'm.org_id')
    .select(['m.role', 'm.status', 'o.id', 'o.name', 'o.plan'])
    .where('m.org_id', '=', orgId)
    .where('m.user_id', '=', session.user_id)
    .executeTakeFirst();
  if (!membership) return orgHeader ? { ok: false, code: 'org_not_found' } : { ...base, actor: null };
  if (membership.status !== 'active') return { ok: false, code: 'account_suspended' };
  return {
    ...base,
    actor: {
      org: { id: membership.id, name: membership.name, plan: membership.plan },
      principal: { type: 'user', id: session.user_id, name: session.name, email: session.email },
      credential: { type: 'session', id: session.id, userId: session.user_id },
      role: membership.role,
      grants: await userGrants(deps.db, deps.config, membership.id, session.user_id, membership.role),
    },
  };
}
