// No escalation, ever (SPEC §3): a credential can mint, attach or grant only what
// lies within its own effective permissions, and give only roles it holds in full.
import type { Actor, Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { assertKnownScopes } from './catalogue.js';
import { intersectGrants, orgWide, uncoveredScopes, type Grant } from './engine.js';
import { findRole, userGrants } from './principals.js';
import type { Transaction } from 'kysely';
import type { Database } from '../db/schema.js';

/** Checks that every scope exists and that the actor holds all of `grants` itself. */
export function assertGrantable(deps: Deps, actor: Actor, grants: Grant[]): void {
  for (const grant of grants) assertKnownScopes(deps.config.catalogue, grant.scopes);
  const missing = uncoveredScopes(actor.grants, grants);
  if (missing.length > 0) {
    throw new AppError('forbidden', `You cannot grant what you do not have: ${missing.join(', ')}`, {
      errors: missing.map((s) => ({ field: 'scopes', message: `not within your permissions: ${s}` })),
    });
  }
}

/** A grant from request fields: scopes (deduplicated, sorted) optionally limited to resources, in a team or org-wide. */
export function grantFrom(scopes: string[], resources: string[] | null | undefined, team: string | null = null): Grant {
  return { team, scopes: [...new Set(scopes)].sort(), resources: resources ? [...new Set(resources)] : null };
}

/** A role may be given (or a holder of it changed) only by someone who holds every scope in it. */
export function assertMayGiveRole(deps: Deps, actor: Actor, roleName: string): void {
  const role = findRole(deps.config, roleName);
  if (!role) {
    throw new AppError('validation_failed', `Unknown role ${roleName}`, {
      errors: [{ field: 'role', message: `one of ${deps.config.roles.map((r) => r.name).join(', ')}` }],
    });
  }
  const missing = uncoveredScopes(actor.grants, orgWide(role.scopes));
  if (missing.length > 0) {
    throw new AppError('forbidden', `You cannot give or change the role ${roleName}: it holds ${missing.join(', ')}, which you lack`);
  }
}

/**
 * The same check again inside the write transaction, against the person's
 * permissions as they are now: a demotion that committed after the request was
 * authenticated must not let it hand out (for good, in a service token or a
 * grant) what the person no longer holds. Non-person credentials have grants
 * fixed at issuance, so their request-time grants stand.
 */
export async function assertStillGrantable(trx: Transaction<Database>, deps: Deps, actor: Actor, grants: Grant[]): Promise<void> {
  if (actor.principal.type !== 'user') return;
  const membership = await trx
    .selectFrom('memberships')
    .select(['role', 'status'])
    .where('org_id', '=', actor.org.id)
    .where('user_id', '=', actor.principal.id)
    .executeTakeFirst();
  if (!membership || membership.status !== 'active') throw new AppError('forbidden', 'Your membership changed while this request was in flight');
  const live = await userGrants(trx, deps.config, actor.org.id, actor.principal.id, membership.role);
  const own = actor.credential.type === 'token' ? actor.credential.ownGrants : null;
  assertGrantable(deps, { ...actor, grants: own === null ? live : intersectGrants(live, own) }, grants);
}
