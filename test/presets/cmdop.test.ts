// CMDOP preset (seed 004, API tokens): each test is one rule-bearing sentence of
// the seed, named by a short quote of it, checked over HTTP against a server
// initialised with the preset. Teams are fleets here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../helpers.js';
import { client, join, ok, presetServer, verify, type Body, type Person, type PresetServer } from './helpers.js';

let s: PresetServer;
let api: ReturnType<typeof client>;
let owner: string;
let fleet: string;
let otherFleet: string;

beforeAll(async () => {
  s = await presetServer('cmdop');
  api = client(s.t);
  owner = s.org.token;
  fleet = ok(await api.post('/v1/teams', owner, { name: 'production' })).id;
  otherFleet = ok(await api.post('/v1/teams', owner, { name: 'staging' })).id;
});
afterAll(() => s.t.close());

/** A member of `fleet` with machines:read and commands:execute there, and a personal token with those scopes. */
async function fleetMember(name = 'my-script'): Promise<{ person: Person; pat: Body }> {
  const person = await join(s.t, owner, 'member');
  ok(await api.post(`/v1/teams/${fleet}/members`, owner, { userId: person.userId, scopes: ['machines:read', 'commands:execute'] }));
  const pat = ok(await api.post('/v1/api-tokens', person.session, { name, scopes: ['machines:read', 'commands:execute'], expiresIn: '90d' }));
  return { person, pat };
}
const fleetToken = async (name: string, scopes = ['machines:read'], team = fleet, as: string | Person['session'] = owner) =>
  ok(await api.post(`/v1/teams/${team}/tokens`, as, { name, scopes, expiresIn: null }));
const events = async (query: string) => ok(await api.get(`/v1/audit-events?${query}`, owner)).data as Body[];

describe('seed 004: API tokens', () => {
  it('"fleets" (the preset\'s words)', async () => {
    const me = ok(await api.get('/v1/me', owner));
    expect(me.preset).toBe('cmdop');
    expect(me.vocabulary).toMatchObject({ team: 'fleet', teams: 'fleets', teamToken: 'fleet token', personalToken: 'personal token' });
  });

  it('"API tokens are how non-human callers — CI pipelines, scripts, the SDK — authenticate to CMDOP"', async () => {
    const ci = await fleetToken('gha-deploy');
    const answer = await verify(s.t, owner, ci.token, { scope: 'machines:read', team: fleet });
    expect(answer).toMatchObject({ valid: true, allowed: true });
    expect(ok(await api.get('/v1/me', ci.token)).credential).toMatchObject({ type: 'token', kind: 'service', name: 'gha-deploy' });
  });

  it('"The cabinet manages them; the desktop and CLI consume them"', async () => {
    // Managed from a signed-in session (the cabinet), consumed as a bearer token.
    const { person } = await fleetMember('cabinet-made');
    const listed = ok(await api.get('/v1/api-tokens', person.session)).data;
    expect(listed.map((t: { name: string }) => t.name)).toContain('cabinet-made');
    const ci = await fleetToken('cli-consumed', ['machines:read'], fleet, s.owner);
    expect((await s.t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${ci.token}` } })).statusCode).toBe(200);
  });

  it('"Personal token … Whatever fleets you belong to"', async () => {
    const { person, pat } = await fleetMember();
    expect((await verify(s.t, owner, pat.token, { scope: 'machines:read', team: fleet })).allowed).toBe(true);
    expect((await verify(s.t, owner, pat.token, { scope: 'machines:read', team: otherFleet })).allowed).toBe(false);
    expect((await verify(s.t, owner, pat.token, { scope: 'machines:read' })).allowed).toBe(false);
    ok(await api.post(`/v1/teams/${otherFleet}/members`, owner, { userId: person.userId, scopes: ['machines:read'] }));
    expect((await verify(s.t, owner, pat.token, { scope: 'machines:read', team: otherFleet })).allowed).toBe(true);
    ok(await api.del(`/v1/teams/${fleet}/members/${person.userId}`, owner));
    expect((await verify(s.t, owner, pat.token, { scope: 'machines:read', team: fleet })).allowed).toBe(false);
  });

  it('"No — revoked when the member leaves"', async () => {
    const { person, pat } = await fleetMember();
    ok(await api.del(`/v1/members/${person.userId}`, owner));
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
    expect(ok(await api.get(`/v1/tokens/${pat.id}`, owner)).status).toBe('revoked');
  });

  it('"Fleet token … One fleet; no personal data"', async () => {
    const ci = await fleetToken('one-fleet');
    const answer = await verify(s.t, owner, ci.token, { scope: 'machines:read', team: fleet });
    expect(answer.principal).toEqual({ type: 'org', id: s.org.orgId, name: 'cmdop org' });
    expect(JSON.stringify(answer)).not.toMatch(/@example\.com|usr_/);
    expect((await verify(s.t, owner, ci.token, { scope: 'machines:read', team: otherFleet })).allowed).toBe(false);
    expect(ok(await api.get(`/v1/tokens/${ci.id}`, owner))).toMatchObject({ teamId: fleet, ownerUserId: null });
  });

  it('"Yes — owned by the fleet" (survives member churn)', async () => {
    const { person, pat } = await fleetMember();
    ok(await api.patch(`/v1/teams/${fleet}/members/${person.userId}`, owner, { scopes: ['machines:read', 'commands:execute', 'team:manage'] }));
    const ci = await fleetToken('outlives-issuer', ['machines:read'], fleet, person.session);
    const viaToken = ok(await api.post('/v1/api-tokens', person.session, { name: 'manager', scopes: ['team:manage', 'machines:read'], expiresIn: '30d' }));
    const ci2 = ok(await api.post(`/v1/teams/${fleet}/tokens`, viaToken.token, { name: 'outlives-token', scopes: ['machines:read'], expiresIn: '30d' }));
    expect(pat.id).toBeTruthy();
    ok(await api.del(`/v1/members/${person.userId}`, owner));
    for (const t of [ci, ci2]) expect((await verify(s.t, owner, t.token, { scope: 'machines:read', team: fleet })).code).toBe('VALID');
  });

  it('"For CI and shared automations, prefer fleet tokens (managed under Fleet settings)"', async () => {
    const ci = await fleetToken('managed-here');
    const listed = ok(await api.get(`/v1/teams/${fleet}/tokens`, owner)).data.map((t: { id: string }) => t.id);
    expect(listed).toContain(ci.id);
    expect(ok(await api.get(`/v1/teams/${otherFleet}/tokens`, owner)).data.map((t: { id: string }) => t.id)).not.toContain(ci.id);
  });

  it('"Name — what this token is for (e.g. gha-deploy)"', async () => {
    expect(expectProblem(await api.post('/v1/api-tokens', s.owner, { scopes: ['machines:read'], expiresIn: null }), 400, 'validation_failed').errors).toEqual([
      expect.objectContaining({ field: 'name' }),
    ]);
    expectProblem(await api.post(`/v1/teams/${fleet}/tokens`, owner, { scopes: ['machines:read'], expiresIn: null }), 400, 'validation_failed');
  });

  it('"Scope — pick the minimum set you need"', async () => {
    const body = expectProblem(await api.post('/v1/api-tokens', s.owner, { name: 'no scopes', expiresIn: null }), 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'scopes', message: 'required' }]);
    expectProblem(await api.post(`/v1/teams/${fleet}/tokens`, owner, { name: 'no scopes', expiresIn: null }), 400, 'validation_failed');
  });

  it('"Expiry — never, 30 days, 90 days, 1 year, or custom"', async () => {
    const now = s.t.clock.now().getTime();
    const mint = (name: string, expiry: object) => api.post('/v1/api-tokens', s.owner, { name, scopes: ['machines:read'], ...expiry });
    expect(ok(await mint('never', { expiresIn: null })).expiresAt).toBeNull();
    for (const [choice, days] of [['30d', 30], ['90d', 90], ['1y', 365]] as const) {
      expect(new Date(ok(await mint(`in ${choice}`, { expiresIn: choice })).expiresAt).getTime() - now).toBe(days * 86_400_000);
    }
    const custom = new Date(now + 12 * 86_400_000).toISOString();
    expect(ok(await mint('custom', { expiresAt: custom })).expiresAt).toBe(custom);
    for (const choice of ['7d', '60d']) expectProblem(await mint(`not offered ${choice}`, { expiresIn: choice }), 400, 'invalid_expiry');
    // Expiry is a required field: a mint that does not say is refused.
    expectProblem(await mint('unsaid', {}), 400, 'expiry_required');
    expectProblem(await api.post(`/v1/teams/${fleet}/tokens`, owner, { name: 'unsaid', scopes: ['machines:read'] }), 400, 'expiry_required');
  });

  it('"The secret is shown exactly once. Copy it immediately — there is no recovery."', async () => {
    const { person, pat } = await fleetMember();
    const ci = await fleetToken('shown-once');
    const everything = JSON.stringify([
      ok(await api.get('/v1/api-tokens', person.session)),
      ok(await api.get(`/v1/api-tokens/${pat.id}`, person.session)),
      ok(await api.get(`/v1/teams/${fleet}/tokens`, owner)),
      ok(await api.get('/v1/tokens?limit=200', owner)),
      ok(await api.get('/v1/audit-events?limit=200', owner)),
    ]);
    expect(everything).not.toContain(pat.token);
    expect(everything).not.toContain(ci.token);
  });

  it('"If lost, revoke and reissue"', async () => {
    const lost = await fleetToken('lost');
    ok(await api.del(`/v1/tokens/${lost.id}`, owner));
    const reissued = await fleetToken('lost');
    expect(reissued.id).not.toBe(lost.id);
    expect((await verify(s.t, owner, lost.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, reissued.token, { scope: 'machines:read', team: fleet })).code).toBe('VALID');
  });

  it('"Available scopes: machines:read … permissions:manage"', async () => {
    const catalogue = ok(await api.get('/v1/api-tokens/scopes', owner)).data;
    const described = Object.fromEntries(catalogue.map((e: { scope: string; description: string }) => [e.scope, e.description]));
    expect(described).toMatchObject({
      'machines:read': 'List and inspect machines',
      'machines:write': 'Register, deregister, retag',
      'commands:execute': 'Drive sessions and run commands',
      'files:read': 'Read files via the agent',
      'files:write': 'Modify files via the agent',
      'schedules:manage': 'Create, edit, delete schedules',
      'agent:invoke': 'Call ask_machine / ask_machines cross-machine',
      'permissions:manage': 'Edit permissions.yaml rules remotely',
    });
  });

  it('"A read-only dashboard token only needs machines:read"', async () => {
    const dashboard = await fleetToken('dashboard', ['machines:read']);
    const can = async (scope: string) => (await verify(s.t, owner, dashboard.token, { scope, team: fleet })).allowed;
    expect(await can('machines:read')).toBe(true);
    for (const scope of ['machines:write', 'commands:execute', 'files:read', 'permissions:manage']) expect(await can(scope)).toBe(false);
  });

  // The seed's four steps of a rotation without downtime, in order, on one pair of tokens.
  let old: Body;
  let fresh: Body;
  let rollout: string;

  it('"Issue a new token with the same scopes"', async () => {
    old = await fleetToken('deploy-v1', ['machines:read', 'commands:execute']);
    ok(await api.get('/v1/me', old.token));
    s.t.clock.advance(60_000);
    fresh = await fleetToken('deploy-v2', old.scopes);
    expect(fresh.scopes).toEqual(old.scopes);
    expect(fresh.grants).toEqual(old.grants);
    expect(ok(await api.get(`/v1/tokens/${old.id}`, owner)).status).toBe('active');
  });

  it('"Roll the new value out to consumers"', async () => {
    rollout = s.t.clock.now().toISOString();
    s.t.clock.advance(60_000);
    expect((await verify(s.t, owner, fresh.token, { scope: 'commands:execute', team: fleet })).allowed).toBe(true);
    ok(await api.get('/v1/me', fresh.token));
  });

  it('"Verify in the audit log that the old token\'s last use was before the rollout"', async () => {
    await s.t.deps.lastUse.flush();
    const oldView = ok(await api.get(`/v1/tokens/${old.id}`, owner));
    expect(oldView.lastUsedAt < rollout).toBe(true);
    const oldUses = await events(`action=token.used&actor=${old.id}`);
    expect(oldUses.length).toBeGreaterThan(0);
    expect(oldUses.every((e) => e.metadata.lastAt < rollout)).toBe(true);
    expect((await events(`action=token.used&actor=${fresh.id}`))[0]!.metadata.lastAt > rollout).toBe(true);
  });

  it('"Revoke the old token"', async () => {
    ok(await api.del(`/v1/tokens/${old.id}`, owner));
    expectProblem(await api.get('/v1/me', old.token), 401, 'token_revoked');
    ok(await api.get('/v1/me', fresh.token));
  });

  it('"Single revoke — click Revoke, confirm"', async () => {
    const { person, pat } = await fleetMember();
    const keep = ok(await api.post('/v1/api-tokens', person.session, { name: 'keep', scopes: ['machines:read'], expiresIn: null }));
    expect(ok(await api.del(`/v1/api-tokens/${pat.id}`, person.session)).status).toBe('revoked');
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, keep.token)).code).toBe('VALID');
  });

  it('"Mass revoke after a leak — Revoke all button at the top of the list"', async () => {
    const { person, pat } = await fleetMember();
    const second = ok(await api.post('/v1/api-tokens', person.session, { name: 'second', scopes: ['machines:read'], expiresIn: '30d' }));
    const bystander = await fleetMember();
    expect(ok(await api.post('/v1/api-tokens/revoke-all', person.session))).toEqual({ revoked: 2 });
    for (const t of [pat, second]) expect((await verify(s.t, owner, t.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, bystander.pat.token)).code).toBe('VALID');
  });

  it('"Revoked tokens fail their next call with 401 Unauthorized"', async () => {
    const ci = await fleetToken('next-call');
    ok(await api.get('/v1/me', ci.token));
    ok(await api.del(`/v1/tokens/${ci.id}`, owner));
    const res = await api.get('/v1/me', ci.token);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('Bearer');
  });

  it('"Every token issuance, use, and revocation logs to the Audit log with the actor and request ID"', async () => {
    const { person } = await fleetMember();
    const minted = await api.post('/v1/api-tokens', person.session, { name: 'audited', scopes: ['machines:read'], expiresIn: '30d' });
    const pat = ok(minted);
    const uses = [await api.get('/v1/me', pat.token), await api.get('/v1/api-tokens', pat.token)].map((r) => r.headers['x-request-id']);
    await s.t.deps.lastUse.flush();
    const revoked = await api.del(`/v1/api-tokens/${pat.id}`, person.session);
    const issued = await api.post(`/v1/teams/${fleet}/tokens`, owner, { name: 'audited-fleet', scopes: ['machines:read'], expiresIn: null });
    const trail = (await events(`token=${pat.id}`)).reverse();
    expect(trail.map((e) => e.action)).toEqual(['token.minted', 'token.used', 'token.revoked']);
    const [mint, use, revoke] = trail;
    expect(mint).toMatchObject({ actor: { type: 'user', id: person.userId }, requestId: minted.headers['x-request-id'] });
    expect(use).toMatchObject({ actor: { type: 'token', id: pat.id, name: 'audited' }, requestId: uses[1], metadata: { count: 2, requestIds: uses } });
    expect(revoke).toMatchObject({ actor: { type: 'user', id: person.userId }, requestId: revoked.headers['x-request-id'] });
    const [fleetIssue] = await events(`action=token.minted&target=${ok(issued).id}`);
    expect(fleetIssue).toMatchObject({ actor: { type: 'token', name: 'initial token' }, requestId: issued.headers['x-request-id'] });
  });

  it('"Personal tokens are scoped to your account; fleet tokens are scoped to the fleet. Each is managed where it belongs and revoked independently."', async () => {
    const { person, pat } = await fleetMember();
    const ci = await fleetToken('independent');
    // A person's token is not reachable through the fleet, nor a fleet token through the person's list.
    expectProblem(await api.del(`/v1/teams/${fleet}/tokens/${pat.id}`, owner), 404, 'not_found');
    expectProblem(await api.del(`/v1/api-tokens/${ci.id}`, person.session), 404, 'not_found');
    ok(await api.del(`/v1/tokens/${ci.id}`, owner));
    expect((await verify(s.t, owner, pat.token)).code).toBe('VALID');
    ok(await api.del(`/v1/api-tokens/${pat.id}`, person.session));
    const other = await fleetToken('independent-2');
    expect((await verify(s.t, owner, other.token)).code).toBe('VALID');
  });

  it('"Mass revoke after a leak" — every token in the cabinet at once', async () => {
    const { pat } = await fleetMember();
    const ci = await fleetToken('leaked');
    const res = ok(await api.post('/v1/tokens/revoke-all', owner));
    expect(res.revoked).toBeGreaterThan(2);
    for (const t of [pat.token, ci.token, owner]) expect((await verify(s.t, s.owner, t)).code).toBe('REVOKED');
  });
});
