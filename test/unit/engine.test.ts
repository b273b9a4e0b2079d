import { describe, expect, it } from 'vitest';
import { allows, intersectGrants, mergeGrants, orgWide, requireScope, scopesOf, uncoveredScopes, type Grant } from '../../src/permissions/engine.js';
import { AppError } from '../../src/errors.js';

const g = (scopes: string[], team: string | null = null, resources: string[] | null = null): Grant => ({ team, scopes, resources });

describe('allows', () => {
  it('covers a scope held org-wide, in any team and on any resource', () => {
    const grants = [g(['issues:read'])];
    expect(allows(grants, { scope: 'issues:read' })).toBe(true);
    expect(allows(grants, { scope: 'issues:read', team: 'team_a', resource: 'site_1' })).toBe(true);
    expect(allows(grants, { scope: 'issues:write' })).toBe(false);
  });

  it('limits a team grant to its team', () => {
    const grants = [g(['machines:read'], 'team_a')];
    expect(allows(grants, { scope: 'machines:read', team: 'team_a' })).toBe(true);
    expect(allows(grants, { scope: 'machines:read', team: 'team_b' })).toBe(false);
    expect(allows(grants, { scope: 'machines:read' })).toBe(false);
  });

  it('limits a resource grant to its resources, and a request without a resource is not covered', () => {
    const grants = [g(['issues:read'], null, ['site_1', 'site_2'])];
    expect(allows(grants, { scope: 'issues:read', resource: 'site_2' })).toBe(true);
    expect(allows(grants, { scope: 'issues:read', resource: 'site_3' })).toBe(false);
    expect(allows(grants, { scope: 'issues:read' })).toBe(false);
  });

  it('allows when any one grant covers the request', () => {
    const grants = [g(['issues:read'], 'team_a'), g(['issues:read'], null, ['site_1'])];
    expect(allows(grants, { scope: 'issues:read', team: 'team_a' })).toBe(true);
    expect(allows(grants, { scope: 'issues:read', resource: 'site_1' })).toBe(true);
    expect(allows(grants, { scope: 'issues:read', team: 'team_b', resource: 'site_2' })).toBe(false);
  });

  it('allows nothing with no grants; requireScope throws 403 naming the scope', () => {
    expect(allows([], { scope: 'org:read' })).toBe(false);
    try {
      requireScope([g(['org:read'])], { scope: 'members:manage', team: 'team_x' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(403);
      expect((error as AppError).message).toContain('members:manage');
      expect((error as AppError).message).toContain('team_x');
    }
    expect(() => requireScope([g(['org:read'])], { scope: 'org:read' })).not.toThrow();
  });
});

describe('intersectGrants', () => {
  it('keeps only scopes both sides hold', () => {
    expect(intersectGrants([g(['a:read', 'a:write', 'b:read'])], [g(['a:read', 'b:read', 'c:read'])])).toEqual([g(['a:read', 'b:read'])]);
    expect(intersectGrants([g(['a:read'])], [g(['b:read'])])).toEqual([]);
    expect(intersectGrants([], [g(['a:read'])])).toEqual([]);
  });

  it('keeps the narrower team: org-wide ∩ team = team; different teams = nothing', () => {
    expect(intersectGrants([g(['a:read'])], [g(['a:read'], 'team_a')])).toEqual([g(['a:read'], 'team_a')]);
    expect(intersectGrants([g(['a:read'], 'team_a')], [g(['a:read'])])).toEqual([g(['a:read'], 'team_a')]);
    expect(intersectGrants([g(['a:read'], 'team_a')], [g(['a:read'], 'team_b')])).toEqual([]);
  });

  it('intersects resource limits; disjoint resources grant nothing', () => {
    expect(intersectGrants([g(['a:read'], null, ['r1', 'r2'])], [g(['a:read'], null, ['r2', 'r3'])])).toEqual([g(['a:read'], null, ['r2'])]);
    expect(intersectGrants([g(['a:read'])], [g(['a:read'], null, ['r1'])])).toEqual([g(['a:read'], null, ['r1'])]);
    expect(intersectGrants([g(['a:read'], null, ['r1'])], [g(['a:read'], null, ['r2'])])).toEqual([]);
  });

  it('is what both sides allow, checked request by request', () => {
    const a = [g(['a:read', 'a:write']), g(['m:read'], 'team_a', ['box_1', 'box_2'])];
    const b = [g(['a:read', 'm:read'], null, ['box_1']), g(['a:write'], 'team_b')];
    const both = intersectGrants(a, b);
    const requests = [
      { scope: 'a:read', resource: 'box_1' },
      { scope: 'a:read' },
      { scope: 'a:write', team: 'team_b' },
      { scope: 'a:write', team: 'team_a' },
      { scope: 'm:read', team: 'team_a', resource: 'box_1' },
      { scope: 'm:read', team: 'team_a', resource: 'box_2' },
      { scope: 'm:read', resource: 'box_1' },
    ];
    for (const request of requests) {
      expect(allows(both, request), JSON.stringify(request)).toBe(allows(a, request) && allows(b, request));
    }
  });
});

describe('uncoveredScopes', () => {
  const held = [g(['issues:read', 'issues:write']), g(['machines:read'], 'team_a'), g(['sites:read'], null, ['site_1'])];

  it('is empty when every wanted scope is held', () => {
    expect(uncoveredScopes(held, [g(['issues:read'])])).toEqual([]);
    expect(uncoveredScopes(held, [g(['issues:write'], 'team_b', ['x'])])).toEqual([]);
    expect(uncoveredScopes(held, [])).toEqual([]);
  });

  it('names each missing scope once, sorted', () => {
    expect(uncoveredScopes(held, [g(['zeta:read', 'issues:read', 'alpha:read']), g(['zeta:read'])])).toEqual(['alpha:read', 'zeta:read']);
  });

  it('a team-limited holding covers only that team, never org-wide', () => {
    expect(uncoveredScopes(held, [g(['machines:read'], 'team_a')])).toEqual([]);
    expect(uncoveredScopes(held, [g(['machines:read'], 'team_b')])).toEqual(['machines:read']);
    expect(uncoveredScopes(held, [g(['machines:read'])])).toEqual(['machines:read']);
  });

  it('a resource-limited holding covers only its resources, never all', () => {
    expect(uncoveredScopes(held, [g(['sites:read'], null, ['site_1'])])).toEqual([]);
    expect(uncoveredScopes(held, [g(['sites:read'], null, ['site_1', 'site_2'])])).toEqual(['sites:read']);
    expect(uncoveredScopes(held, [g(['sites:read'])])).toEqual(['sites:read']);
  });
});

describe('mergeGrants and scopesOf', () => {
  it('folds grants with the same team and resources, keeping scopes sorted and unique', () => {
    const merged = mergeGrants([g(['b:read', 'a:read']), g(['a:read', 'c:read']), g(['x:read'], 'team_a'), g(['y:read'], null, ['r2', 'r1']), g(['z:read'], null, ['r1', 'r2'])]);
    expect(merged).toEqual([g(['a:read', 'b:read', 'c:read']), g(['x:read'], 'team_a'), g(['y:read', 'z:read'], null, ['r2', 'r1'])]);
  });

  it('does not mutate its input', () => {
    const input = [g(['b:read']), g(['a:read'])];
    mergeGrants(input);
    expect(input).toEqual([g(['b:read']), g(['a:read'])]);
  });

  it('lists every scope granted anywhere once; orgWide of nothing is no grant', () => {
    expect(scopesOf([g(['b:read']), g(['a:read', 'b:read'], 'team_a')])).toEqual(['a:read', 'b:read']);
    expect(orgWide([])).toEqual([]);
    expect(orgWide(['a:read'])).toEqual([g(['a:read'])]);
  });
});
