// The scope catalogue (built-in management scopes + the host API's own) and the
// roles, each a named bundle of scopes resolved against that catalogue.
import { AppError } from '../errors.js';

export interface ScopeDefinition {
  scope: string;
  category: string;
  description: string;
}

export interface RoleDefinition {
  name: string;
  /** Higher rank = more authority; used so nobody hands out a role above their own. */
  rank: number;
  description: string;
  /** Concrete scopes, resolved from patterns (`*`, `*:read`) at load time. */
  scopes: string[];
}

export const SCOPE_PATTERN = /^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$/;

export const MANAGEMENT_SCOPES: ScopeDefinition[] = [
  { scope: 'org:read', category: 'Organization', description: 'Read the organization, its plan, seats and policy' },
  { scope: 'org:manage', category: 'Organization', description: 'Change the organization name and token policy' },
  { scope: 'members:read', category: 'Members', description: 'List members and their roles' },
  { scope: 'members:manage', category: 'Members', description: 'Invite, change, suspend and remove members' },
  { scope: 'teams:read', category: 'Teams', description: 'List teams, their members and tokens' },
  { scope: 'teams:manage', category: 'Teams', description: 'Create, rename and delete teams' },
  { scope: 'team:manage', category: 'Teams', description: "Manage a team's members and tokens (within a team grant)" },
  { scope: 'tokens:read', category: 'Tokens', description: 'List and read your own personal tokens' },
  { scope: 'tokens:manage', category: 'Tokens', description: 'Mint, roll and revoke your own personal tokens (within your own permissions)' },
  {
    scope: 'tokens:admin',
    category: 'Tokens',
    description: "Administer tokens that are not your own: every token in the organization, org API keys, rolling and revoking anyone's token, mass revocation",
  },
  { scope: 'service_accounts:read', category: 'Service accounts', description: 'List service accounts and their tokens' },
  { scope: 'service_accounts:manage', category: 'Service accounts', description: 'Create, change and delete service accounts and their tokens' },
  { scope: 'audit:read', category: 'Audit', description: 'Read and export the audit log' },
  { scope: 'tokens:verify', category: 'Tokens', description: 'Call the verification API' },
];

export interface RoleSpec {
  name: string;
  rank: number;
  description: string;
  /** Scope names or patterns: `*` (everything), `*:read` (every read scope), `issues:*`. */
  scopes: string[];
  /** Scopes removed after patterns are expanded. */
  exclude?: string[];
}

const MANAGEMENT_READS = ['org:read', 'members:read', 'teams:read', 'service_accounts:read'];
/**
 * Managing one's own credentials is not a write to the org, so every role that
 * can hold personal tokens has these (SPEC §3); tokens:admin is for others' tokens.
 */
const SELF_SERVICE = ['tokens:read', 'tokens:manage'];

export const DEFAULT_ROLES: RoleSpec[] = [
  { name: 'owner', rank: 40, description: 'Everything, including the organization itself', scopes: ['*'] },
  { name: 'admin', rank: 30, description: 'Everything but organization settings', scopes: ['*'], exclude: ['org:manage'] },
  {
    name: 'member',
    rank: 20,
    description: "Uses the host API; reads the organization's structure",
    scopes: [...MANAGEMENT_READS, ...SELF_SERVICE, 'api:*'],
  },
  {
    name: 'viewer',
    rank: 10,
    description: 'Read-only, but manages their own personal tokens',
    scopes: ['org:read', 'members:read', 'teams:read', ...SELF_SERVICE, 'api:*:read'],
  },
];

function matches(pattern: string, scope: string, isApiScope: boolean): boolean {
  if (pattern === '*') return true;
  if (pattern === 'api:*') return isApiScope;
  if (pattern === 'api:*:read') return isApiScope && scope.endsWith(':read');
  const [resource, action] = pattern.split(':');
  const [sr, sa] = scope.split(':');
  return (resource === '*' || resource === sr) && (action === '*' || action === sa);
}

export function resolveRoles(specs: RoleSpec[], catalogue: ScopeDefinition[], apiScopes: Set<string>): RoleDefinition[] {
  return specs.map((spec) => {
    const excluded = new Set(spec.exclude ?? []);
    const scopes = catalogue
      .map((entry) => entry.scope)
      .filter((scope) => !excluded.has(scope) && spec.scopes.some((p) => matches(p, scope, apiScopes.has(scope))));
    return { name: spec.name, rank: spec.rank, description: spec.description, scopes };
  });
}

/** Rejects scopes that are not in the catalogue, naming each one. */
export function assertKnownScopes(catalogue: ScopeDefinition[], scopes: string[], field = 'scopes'): void {
  const known = new Set(catalogue.map((s) => s.scope));
  const unknown = scopes.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new AppError('unknown_scope', `Unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      errors: unknown.map((s) => ({ field, message: `unknown scope ${s}` })),
    });
  }
}
