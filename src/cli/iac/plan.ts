// The plan: what the file wants, compared with what the server holds (matched by
// name; there is no state file). A pure function of two plain values, so it is
// tested without a server; apply.ts turns each change into API calls.
import type { ExpiresIn, OrgSpec, PolicySpec, TokenSpec } from './schema.js';

export interface TokenState {
  id: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  role: string | null;
  expiresAt: string | null;
  createdAt: string;
  status: 'active' | 'expired';
}

export interface OrgState {
  policy: Required<PolicySpec>;
  serviceAccounts: { id: string; name: string; scopes: string[]; resources: string[] | null; tokens: TokenState[] }[];
  teams: { id: string; name: string; members: { userId: string; email: string; scopes: string[]; resources: string[] | null }[]; tokens: TokenState[] }[];
  /** Org API keys (service tokens owned by the org, not by an account or a team). */
  orgTokens: TokenState[];
}

/** Where a token lives: its owner in the file. */
export type TokenOwner = { type: 'serviceAccount'; name: string } | { type: 'team'; name: string } | { type: 'org' };

export type Change =
  | { op: '~'; type: 'policy'; address: string; patch: PolicySpec; why: string }
  | { op: '+'; type: 'serviceAccount'; address: string; name: string; scopes: string[]; resources: string[] | null }
  | { op: '~'; type: 'serviceAccount'; address: string; id: string; name: string; scopes: string[]; resources: string[] | null; why: string }
  | { op: '-'; type: 'serviceAccount'; address: string; id: string; name: string }
  | { op: '+'; type: 'team'; address: string; name: string }
  | { op: '-'; type: 'team'; address: string; id: string; name: string }
  | { op: '+' | '~'; type: 'teamMember'; address: string; team: string; email: string; scopes: string[]; resources: string[] | null; why?: string }
  | { op: '-'; type: 'teamMember'; address: string; team: string; teamId: string; userId: string; email: string }
  | { op: '+'; type: 'token'; address: string; owner: TokenOwner; spec: TokenSpec & { role?: string }; scopes: string[] | null }
  | { op: '-/+'; type: 'token'; address: string; owner: TokenOwner; id: string; spec: TokenSpec & { role?: string }; scopes: string[] | null; why: string }
  | { op: '-'; type: 'token'; address: string; owner: TokenOwner; id: string; ownerId: string | null };

export interface PlanOptions {
  prune: boolean;
  /** The caller's own token id: never pruned from under it. */
  selfTokenId?: string | null;
}

const DAY_MS = 86_400_000;
const PRESET_DAYS: Record<string, number> = { '7d': 7, '30d': 30, '60d': 60, '90d': 90, '1y': 365 };

const sorted = (list: readonly string[] | null | undefined) => [...(list ?? [])].sort();
const sameSet = (a: readonly string[] | null | undefined, b: readonly string[] | null | undefined) => sorted(a).join('\n') === sorted(b).join('\n');
const list = (items: readonly string[] | null | undefined) => (items && items.length ? items.join(' ') : '(none)');

/** The lifetime a token has, in the file's words ("90d", "never"), or a day count. */
function lifetime(token: TokenState): string {
  if (token.expiresAt === null) return 'never';
  const days = (Date.parse(token.expiresAt) - Date.parse(token.createdAt)) / DAY_MS;
  const preset = Object.entries(PRESET_DAYS).find(([, d]) => Math.abs(d - days) < 1 / 1440);
  return preset ? preset[0] : `${Math.round(days)}d`;
}

/** Why an existing token does not match its spec (so it must be replaced), or null. */
function tokenDrift(token: TokenState, spec: TokenSpec & { role?: string }, wantedScopes: string[] | null): string | null {
  const reasons: string[] = [];
  if (token.status === 'expired') reasons.push('expired');
  if (spec.role !== undefined) {
    if (token.role !== spec.role) reasons.push(`role ${token.role ?? '(scopes)'} → ${spec.role}`);
  } else if (wantedScopes !== null && !sameSet(token.scopes, wantedScopes)) {
    reasons.push(`scopes ${list(sorted(token.scopes))} → ${list(sorted(wantedScopes))}`);
  }
  if (!sameSet(token.resources, spec.resources)) reasons.push(`resources ${list(token.resources)} → ${list(spec.resources)}`);
  // An omitted expiresIn leaves the expiry alone; a given one must match the token's lifetime.
  const wanted: ExpiresIn | undefined = spec.expiresIn === null ? 'never' : spec.expiresIn;
  if (wanted !== undefined && token.status !== 'expired' && lifetime(token) !== wanted) reasons.push(`expiry ${lifetime(token)} → ${wanted}`);
  return reasons.length ? reasons.join(', ') : null;
}

function planTokens(changes: Change[], base: string, owner: TokenOwner, ownerId: string | null, specs: (TokenSpec & { role?: string })[] | undefined, existing: TokenState[], defaultScopes: string[] | null, options: PlanOptions): void {
  const byName = new Map(existing.map((t) => [t.name, t]));
  for (const spec of specs ?? []) {
    const address = `${base}/${spec.name}`;
    const scopes = spec.role !== undefined ? null : (spec.scopes ?? defaultScopes);
    const current = byName.get(spec.name);
    if (!current) changes.push({ op: '+', type: 'token', address, owner, spec, scopes });
    else {
      const why = tokenDrift(current, spec, scopes);
      if (why) changes.push({ op: '-/+', type: 'token', address, owner, id: current.id, spec, scopes, why });
    }
  }
  if (options.prune && specs !== undefined) {
    const named = new Set(specs.map((s) => s.name));
    for (const token of existing) {
      if (!named.has(token.name) && token.id !== options.selfTokenId) changes.push({ op: '-', type: 'token', address: `${base}/${token.name}`, owner, id: token.id, ownerId });
    }
  }
}

export function plan(spec: OrgSpec, state: OrgState, options: PlanOptions): Change[] {
  const changes: Change[] = [];

  if (spec.policy) {
    const patch: PolicySpec = {};
    const why: string[] = [];
    for (const key of ['requireExpiry', 'maxLifetimeDays', 'maxPersonalTokensPerUser'] as const) {
      const wanted = spec.policy[key];
      if (wanted !== undefined && wanted !== state.policy[key]) {
        (patch as Record<string, unknown>)[key] = wanted;
        why.push(`${key} ${String(state.policy[key])} → ${String(wanted)}`);
      }
    }
    if (why.length) changes.push({ op: '~', type: 'policy', address: 'policy', patch, why: why.join(', ') });
  }

  const accounts = new Map(state.serviceAccounts.map((a) => [a.name, a]));
  for (const sa of spec.serviceAccounts ?? []) {
    const address = `serviceAccounts/${sa.name}`;
    const current = accounts.get(sa.name);
    const resources = sa.resources ?? null;
    if (!current) changes.push({ op: '+', type: 'serviceAccount', address, name: sa.name, scopes: sa.scopes, resources });
    else {
      const why: string[] = [];
      if (!sameSet(current.scopes, sa.scopes)) why.push(`scopes ${list(sorted(current.scopes))} → ${list(sorted(sa.scopes))}`);
      if (!sameSet(current.resources, resources)) why.push(`resources ${list(current.resources)} → ${list(resources)}`);
      if (why.length) changes.push({ op: '~', type: 'serviceAccount', address, id: current.id, name: sa.name, scopes: sa.scopes, resources, why: why.join(', ') });
    }
    planTokens(changes, address, { type: 'serviceAccount', name: sa.name }, current?.id ?? null, sa.tokens, current?.tokens ?? [], sa.scopes, options);
  }

  const teams = new Map(state.teams.map((t) => [t.name, t]));
  for (const team of spec.teams ?? []) {
    const address = `teams/${team.name}`;
    const current = teams.get(team.name);
    if (!current) changes.push({ op: '+', type: 'team', address, name: team.name });
    const members = new Map((current?.members ?? []).map((m) => [m.email.toLowerCase(), m]));
    for (const m of team.members ?? []) {
      const memberAddress = `${address}/members/${m.email}`;
      const existing = members.get(m.email.toLowerCase());
      const resources = m.resources ?? null;
      if (!existing) changes.push({ op: '+', type: 'teamMember', address: memberAddress, team: team.name, email: m.email, scopes: m.scopes, resources });
      else {
        const why: string[] = [];
        if (!sameSet(existing.scopes, m.scopes)) why.push(`scopes ${list(sorted(existing.scopes))} → ${list(sorted(m.scopes))}`);
        if (!sameSet(existing.resources, resources)) why.push(`resources ${list(existing.resources)} → ${list(resources)}`);
        if (why.length) changes.push({ op: '~', type: 'teamMember', address: memberAddress, team: team.name, email: m.email, scopes: m.scopes, resources, why: why.join(', ') });
      }
    }
    if (options.prune && current && team.members !== undefined) {
      const named = new Set(team.members.map((m) => m.email.toLowerCase()));
      for (const m of current.members) {
        if (!named.has(m.email.toLowerCase())) changes.push({ op: '-', type: 'teamMember', address: `${address}/members/${m.email}`, team: team.name, teamId: current.id, userId: m.userId, email: m.email });
      }
    }
    planTokens(changes, address, { type: 'team', name: team.name }, current?.id ?? null, team.tokens, current?.tokens ?? [], null, options);
  }

  planTokens(changes, 'orgTokens', { type: 'org' }, null, spec.orgTokens, state.orgTokens, null, options);

  // Whole objects the file does not name (only in the sections it has: a section left out is not managed).
  if (options.prune) {
    if (spec.serviceAccounts !== undefined) {
      const named = new Set(spec.serviceAccounts.map((s) => s.name));
      for (const sa of state.serviceAccounts) if (!named.has(sa.name)) changes.push({ op: '-', type: 'serviceAccount', address: `serviceAccounts/${sa.name}`, id: sa.id, name: sa.name });
    }
    if (spec.teams !== undefined) {
      const named = new Set(spec.teams.map((t) => t.name));
      for (const team of state.teams) if (!named.has(team.name)) changes.push({ op: '-', type: 'team', address: `teams/${team.name}`, id: team.id, name: team.name });
    }
  }
  return order(changes);
}

/**
 * The order apply runs them in: the policy first (later mints are checked
 * against it), then creations and updates parents before children, then what is
 * removed, children before parents.
 */
function order(changes: Change[]): Change[] {
  const rank = (c: Change): number => {
    if (c.type === 'policy') return 0;
    if (c.op === '-') return c.type === 'token' ? 10 : c.type === 'teamMember' ? 11 : 12;
    return { serviceAccount: 1, team: 2, teamMember: 3, token: 4 }[c.type];
  };
  return changes
    .map((change, index) => ({ change, index }))
    .sort((a, b) => rank(a.change) - rank(b.change) || a.index - b.index)
    .map((entry) => entry.change);
}

export function summary(changes: Change[]): { add: number; change: number; destroy: number } {
  let add = 0;
  let change = 0;
  let destroy = 0;
  for (const c of changes) {
    if (c.op === '+') add++;
    else if (c.op === '~') change++;
    else if (c.op === '-') destroy++;
    else {
      add++;
      destroy++;
    }
  }
  return { add, change, destroy };
}

export function describe(change: Change): string {
  const what: Record<Change['type'], string> = { policy: 'policy', serviceAccount: 'service account', team: 'team', teamMember: 'team member', token: 'token' };
  const why = 'why' in change && change.why ? ` (${change.why})` : '';
  return `${change.op} ${change.address}  ${what[change.type]}${why}`;
}
