// Reading the org's state from the server, and carrying out a plan step by step.
// Each step is idempotent with respect to the next plan: if apply stops midway
// (the server dies, a call is refused), the next `apply` plans again from what
// the server now holds and finishes the job.
import type { Latchkey, Token } from '../api.js';
import { checkAgainstServer, type LoadedFile } from './load.js';
import type { Change, OrgState, TokenState } from './plan.js';

async function all<T>(list: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of list) items.push(item);
  return items;
}

function tokenState(token: Token): TokenState | null {
  if (token.status === 'revoked') return null;
  const resources = [...new Set(token.grants.flatMap((g) => g.resources ?? []))];
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    resources: resources.length ? resources : null,
    role: token.role,
    expiresAt: token.expiresAt,
    createdAt: token.createdAt,
    status: token.status,
  };
}

const live = (tokens: Token[]) => tokens.map(tokenState).filter((t): t is TokenState => t !== null);

/**
 * What the server holds of what the file manages, after checking the file
 * against the server (scopes, roles, members, escalation). Sections the file
 * leaves out are not read (a file without orgTokens needs no tokens:admin).
 */
export async function readState(lk: Latchkey, loaded: LoadedFile): Promise<{ state: OrgState; selfTokenId: string | null; memberIds: Map<string, string> }> {
  const { spec } = loaded;
  const [me, scopes, roles] = await Promise.all([lk.me(), lk.apiTokens.scopes(), lk.org.roles()]);
  const memberIds = new Map<string, string>();
  if (spec.teams?.some((t) => t.members?.length)) for (const m of await all(lk.members.list())) memberIds.set(m.email.toLowerCase(), m.userId);
  checkAgainstServer(loaded, {
    catalogue: new Set(scopes.data.map((s) => s.scope)),
    callerScopes: new Set(me.scopes),
    callerRole: me.role,
    roles: new Map(roles.data.map((r) => [r.name, { rank: r.rank, scopes: r.scopes }])),
    members: memberIds,
  });

  const org = spec.policy ? await lk.org.get() : null;
  const state: OrgState = {
    policy: org ? { requireExpiry: org.policy.requireExpiry, maxLifetimeDays: org.policy.maxLifetimeDays, maxPersonalTokensPerUser: org.policy.maxPersonalTokensPerUser } : { requireExpiry: false, maxLifetimeDays: null, maxPersonalTokensPerUser: null },
    serviceAccounts: [],
    teams: [],
    orgTokens: [],
  };
  if (spec.serviceAccounts) {
    for (const sa of await all(lk.serviceAccounts.list())) {
      state.serviceAccounts.push({ id: sa.id, name: sa.name, scopes: sa.scopes, resources: sa.resources, tokens: live(await all(lk.serviceAccounts.listTokens(sa.id))) });
    }
  }
  if (spec.teams) {
    for (const team of await all(lk.teams.list())) {
      const [members, tokens] = await Promise.all([all(lk.teams.listMembers(team.id)), all(lk.teams.listTokens(team.id))]);
      // Tokens the team issued; tokens attached from elsewhere belong to their owners.
      state.teams.push({ id: team.id, name: team.name, members, tokens: live(tokens.filter((t) => t.teamId === team.id)) });
    }
  }
  if (spec.orgTokens) {
    const keys = await all(lk.tokens.list({ kind: 'service' }));
    state.orgTokens = live(keys.filter((t) => t.serviceAccountId === null && t.teamId === null && t.ownerUserId === null));
  }
  return { state, selfTokenId: me.credential.id ?? null, memberIds };
}

export interface StepResult {
  /** A newly minted secret, keyed like `serviceAccounts/deployer/pipeline`. */
  secret?: { key: string; token: string; prefix: string };
}

/** Carries out one change. Ids of objects created earlier in the run come from `ids`. */
export async function applyChange(lk: Latchkey, change: Change, ids: Map<string, string>, memberIds: Map<string, string>): Promise<StepResult> {
  const idOf = (address: string) => {
    const id = ids.get(address);
    if (!id) throw new Error(`internal: no id for ${address}`);
    return id;
  };
  switch (change.type) {
    case 'policy':
      await lk.org.update({ policy: change.patch });
      return {};
    case 'serviceAccount':
      if (change.op === '+') ids.set(change.address, (await lk.serviceAccounts.create({ name: change.name, scopes: change.scopes, ...(change.resources ? { resources: change.resources } : {}) })).id);
      else if (change.op === '~') await lk.serviceAccounts.update(change.id, { scopes: change.scopes, resources: change.resources });
      else await lk.serviceAccounts.delete(change.id);
      return {};
    case 'team':
      if (change.op === '+') ids.set(change.address, (await lk.teams.create({ name: change.name })).id);
      else await lk.teams.delete(change.id);
      return {};
    case 'teamMember': {
      if (change.op === '-') {
        await lk.teams.removeMember(change.teamId, change.userId);
        return {};
      }
      const teamId = idOf(`teams/${change.team}`);
      const userId = memberIds.get(change.email.toLowerCase());
      if (!userId) throw new Error(`${change.email} is not a member of the org`);
      const grant = { scopes: change.scopes, resources: change.resources };
      if (change.op === '+') await lk.teams.addMember(teamId, { userId, scopes: change.scopes, ...(change.resources ? { resources: change.resources } : {}) });
      else await lk.teams.updateMember(teamId, userId, grant);
      return {};
    }
    case 'token': {
      const { owner } = change;
      const parent = owner.type === 'serviceAccount' ? `serviceAccounts/${owner.name}` : owner.type === 'team' ? `teams/${owner.name}` : null;
      if (change.op === '-' || change.op === '-/+') {
        const ownerId = change.op === '-' ? change.ownerId : parent ? idOf(parent) : null;
        if (owner.type === 'serviceAccount') await lk.serviceAccounts.revokeToken(ownerId!, change.id);
        else await lk.tokens.revoke(change.id);
        if (change.op === '-') return {};
      }
      const { spec } = change;
      const expiry = spec.expiresIn === undefined ? {} : { expiresIn: spec.expiresIn === 'never' ? null : spec.expiresIn };
      const resources = spec.resources ? { resources: spec.resources } : {};
      let minted;
      if (owner.type === 'serviceAccount') {
        minted = await lk.serviceAccounts.issueToken(idOf(parent!), { name: spec.name, ...(spec.scopes ? { scopes: spec.scopes } : {}), ...resources, ...expiry });
      } else if (owner.type === 'team') {
        minted = await lk.teams.issueToken(idOf(parent!), { name: spec.name, scopes: spec.scopes!, ...resources, ...expiry });
      } else {
        minted = await lk.tokens.create({ name: spec.name, ...(spec.role !== undefined ? { role: spec.role } : { scopes: spec.scopes! }), ...resources, ...expiry });
      }
      return { secret: { key: change.address, token: minted.token, prefix: minted.prefix } };
    }
  }
}
