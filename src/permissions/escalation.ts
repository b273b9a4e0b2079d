// No escalation, ever (SPEC §3): a credential can mint, attach or grant only what
// lies within its own effective permissions, and give only roles it holds in full.
import type { Actor, Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { assertKnownScopes } from './catalogue.js';
import { orgWide, uncoveredScopes, type Grant } from './engine.js';
import { findRole } from './principals.js';

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
