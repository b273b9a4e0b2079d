// The one place that decides "may this credential do this?". Permissions are sets
// of grants; a grant covers a scope, optionally only in one team and only on some
// resources. Effective permissions are always computed from live state (see
// principals.ts), so a role change or suspension takes effect on the next request.
import { AppError } from '../errors.js';

export interface Grant {
  team: string | null;
  scopes: string[];
  resources: string[] | null;
}

export interface Request {
  scope: string;
  resource?: string | null;
  team?: string | null;
}

function grantCovers(grant: Grant, scope: string, team: string | null, resource: string | null): boolean {
  if (!grant.scopes.includes(scope)) return false;
  if (grant.team !== null && grant.team !== team) return false;
  if (grant.resources !== null && (resource === null || !grant.resources.includes(resource))) return false;
  return true;
}

/** True when some grant covers the scope, in the team asked for, on the resource asked for. */
export function allows(grants: readonly Grant[], request: Request): boolean {
  const team = request.team ?? null;
  const resource = request.resource ?? null;
  return grants.some((g) => grantCovers(g, request.scope, team, resource));
}

function intersectLimit(a: string[] | null, b: string[] | null): string[] | null | undefined {
  if (a === null) return b;
  if (b === null) return a;
  const both = a.filter((x) => b.includes(x));
  return both.length > 0 ? both : undefined; // undefined = empty: the pair grants nothing
}

/** What both sets allow: the pairwise intersection of their grants. */
export function intersectGrants(a: readonly Grant[], b: readonly Grant[]): Grant[] {
  const out: Grant[] = [];
  for (const x of a) {
    for (const y of b) {
      const scopes = x.scopes.filter((s) => y.scopes.includes(s));
      if (scopes.length === 0) continue;
      if (x.team !== null && y.team !== null && x.team !== y.team) continue;
      const resources = intersectLimit(x.resources, y.resources);
      if (resources === undefined) continue;
      out.push({ team: x.team ?? y.team, scopes, resources });
    }
  }
  return mergeGrants(out);
}

/** Folds grants with the same team and resources together, so lists stay short. */
export function mergeGrants(grants: readonly Grant[]): Grant[] {
  const byKey = new Map<string, Grant>();
  for (const g of grants) {
    const key = JSON.stringify([g.team, g.resources ? [...g.resources].sort() : null]);
    const existing = byKey.get(key);
    if (existing) {
      for (const s of g.scopes) if (!existing.scopes.includes(s)) existing.scopes.push(s);
    } else {
      byKey.set(key, { team: g.team, scopes: [...g.scopes], resources: g.resources ? [...g.resources] : null });
    }
  }
  return [...byKey.values()].map((g) => ({ ...g, scopes: g.scopes.sort() }));
}

/** The scopes requested by `wanted` that `held` does not cover (empty = wanted ⊆ held). */
export function uncoveredScopes(held: readonly Grant[], wanted: readonly Grant[]): string[] {
  const missing = new Set<string>();
  for (const w of wanted) {
    for (const scope of w.scopes) {
      const resources = w.resources ?? [null];
      const covered = resources.every((resource) =>
        held.some(
          (h) =>
            h.scopes.includes(scope) &&
            (h.team === null || h.team === w.team) &&
            (h.resources === null || (resource !== null && h.resources.includes(resource))),
        ),
      );
      if (!covered) missing.add(scope);
    }
  }
  return [...missing].sort();
}

/** Every scope granted somewhere (org-wide or limited), for display. */
export function scopesOf(grants: readonly Grant[]): string[] {
  return [...new Set(grants.flatMap((g) => g.scopes))].sort();
}

export function orgWide(scopes: readonly string[]): Grant[] {
  return scopes.length > 0 ? [{ team: null, scopes: [...scopes], resources: null }] : [];
}

/** Throws 403 naming the missing scope unless the grants allow the request. */
export function requireScope(grants: readonly Grant[], request: Request): void {
  if (!allows(grants, request)) {
    throw new AppError('forbidden', `This credential lacks the scope ${request.scope}${request.team ? ` in team ${request.team}` : ''}${request.resource ? ` on ${request.resource}` : ''}`);
  }
}
