// Caputchin preset (seeds 000 "Troop access tokens" and 001 "Personal access
// token"): each test is one rule-bearing sentence of the seeds, named by a short
// quote of it, checked over HTTP against a server initialised with the preset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrg, expectProblem, type TestOrg } from '../helpers.js';
import { client, join, ok, presetServer, verify, type PresetServer, type Person } from './helpers.js';

let s: PresetServer;
let api: ReturnType<typeof client>;
let owner: string; // the owner's one personal access token
let troop: string;
let otherTroop: string;
let employee: Person;
let employeePat: { id: string; token: string; name: string };
let small: TestOrg; // a second account, left on the free plan

beforeAll(async () => {
  s = await presetServer('caputchin');
  api = client(s.t);
  owner = s.org.token;
  ok(await api.patch('/v1/org', s.owner, { plan: 'apex' }));
  troop = ok(await api.post('/v1/teams', owner, { name: 'checkout' })).id;
  otherTroop = ok(await api.post('/v1/teams', owner, { name: 'marketing' })).id;
  employee = await join(s.t, owner, 'member');
  employeePat = ok(await api.post('/v1/api-tokens', employee.session, { name: 'laptop' }));
  small = await createTestOrg(s.t, 'small account');
});
afterAll(() => s.t.close());

const issueTroopToken = async (team: string, body: object, as: string = owner) => ok(await api.post(`/v1/teams/${team}/tokens`, as, body));
const events = async (query: string) => ok(await api.get(`/v1/audit-events?${query}`, owner)).data as { action: string; actor: { type: string; name: string; prefix: string }; target: { id: string }; metadata: Record<string, unknown> }[];

describe('seed 000: Troop access tokens', () => {
  it('"teams are troops" (the preset\'s words, prefix and catalogue)', async () => {
    const me = ok(await api.get('/v1/me', owner));
    expect(me.preset).toBe('caputchin');
    expect(me.vocabulary).toMatchObject({ org: 'account', team: 'troop', teams: 'troops', teamToken: 'troop access token' });
    const catalogue = ok(await api.get('/v1/api-tokens/scopes', owner));
    const names = catalogue.categories.map((c: { name: string }) => c.name);
    expect(names).toEqual(expect.arrayContaining(['Account', 'Troops', 'Site keys']));
    expect(names).not.toContain('Teams');
  });

  it('"it acts only within the troops you attach it to, with permissions you choose"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-within', scopes: ['sitekeys:view'] });
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view', team: troop })).allowed).toBe(true);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view', team: otherTroop })).allowed).toBe(false);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view' })).allowed).toBe(false);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: troop })).allowed).toBe(false);
  });

  it('"it does not depend on any one employee\'s account"', async () => {
    const lead = await join(s.t, owner, 'member');
    ok(await api.post(`/v1/teams/${troop}/members`, owner, { userId: lead.userId, scopes: ['team:manage', 'sitekeys:view'] }));
    const leadPat = ok(await api.post('/v1/api-tokens', lead.session, { name: 'lead pat' }));
    const ci = await issueTroopToken(troop, { name: 'ci-lead', scopes: ['sitekeys:view'] }, leadPat.token);
    ok(await api.del(`/v1/members/${lead.userId}`, owner));
    expect((await verify(s.t, owner, leadPat.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view', team: troop })).code).toBe('VALID');
  });

  it('"It is a kind of cpt_pat_... token, but scoped"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-kind', scopes: ['sitekeys:view'], resources: ['key_1'] });
    // Same deployment prefix; the kind is spelled out (sat) so a scanner can tell the two apart (see deviations).
    expect(ci.token).toMatch(/^cpt_sat_/);
    expect(owner).toMatch(/^cpt_pat_/);
    expect(ci.grants).toEqual([{ team: troop, scopes: ['sitekeys:view'], resources: ['key_1'] }]);
  });

  it('"Reach: Only the troops it is attached to … | Master over your whole account, every troop and key"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-reach', scopes: ['sitekeys:edit'], resources: ['key_1'] });
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: troop, resource: 'key_1' })).allowed).toBe(true);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: otherTroop, resource: 'key_1' })).allowed).toBe(false);
    for (const team of [troop, otherTroop, undefined]) {
      for (const resource of ['key_1', 'key_2', undefined]) {
        expect((await verify(s.t, owner, owner, { scope: 'sitekeys:edit', ...(team ? { team } : {}), ...(resource ? { resource } : {}) })).allowed).toBe(true);
      }
    }
  });

  it('"How many: As many as your seats allow | Exactly one per account"', async () => {
    // The small account is on the free plan: 3 seats, the owner holds one.
    const team = ok(await api.post('/v1/teams', small.token, { name: 'only' })).id;
    await issueTroopToken(team, { name: 'one', scopes: ['sitekeys:view'] }, small.token);
    await issueTroopToken(team, { name: 'two', scopes: ['sitekeys:view'] }, small.token);
    expectProblem(await api.post(`/v1/teams/${team}/tokens`, small.token, { name: 'three', scopes: ['sitekeys:view'] }), 409, 'seat_limit_reached');
    expectProblem(await api.post('/v1/api-tokens', small.token, { name: 'second pat' }), 409, 'token_limit_reached');
  });

  it('"Cost: Takes a seat | Free"', async () => {
    const before = ok(await api.get('/v1/seats', owner));
    const person = await join(s.t, owner, 'member');
    const afterJoin = ok(await api.get('/v1/seats', owner));
    expect(afterJoin.used).toBe(before.used + 1); // the person
    ok(await api.post('/v1/api-tokens', person.session, { name: 'free' }));
    expect(ok(await api.get('/v1/seats', owner)).used).toBe(afterJoin.used);
    await issueTroopToken(troop, { name: 'ci-cost', scopes: ['sitekeys:view'] });
    const after = ok(await api.get('/v1/seats', owner));
    expect(after.used).toBe(afterJoin.used + 1);
    expect(after.breakdown.teamTokens).toBe(before.breakdown.teamTokens + 1);
  });

  it('"A troop token holds the same four permissions and the same scope a human member does, set the same way"', async () => {
    const perms = ok(await api.get('/v1/api-tokens/scopes', owner)).data.map((e: { scope: string }) => e.scope);
    expect(perms).toEqual(expect.arrayContaining(['sitekeys:view', 'sitekeys:edit', 'sitekeys:configure', 'team:manage']));
    const grant = { scopes: ['sitekeys:edit'], resources: ['key_7'] };
    const person = await join(s.t, owner, 'member');
    ok(await api.post(`/v1/teams/${troop}/members`, owner, { userId: person.userId, ...grant }));
    const personPat = ok(await api.post('/v1/api-tokens', person.session, { name: 'same way' }));
    const ci = await issueTroopToken(troop, { name: 'ci-same', ...grant });
    for (const [check, expected] of [
      [{ scope: 'sitekeys:edit', team: troop, resource: 'key_7' }, true],
      [{ scope: 'sitekeys:edit', team: troop, resource: 'key_8' }, false],
      [{ scope: 'sitekeys:configure', team: troop, resource: 'key_7' }, false],
    ] as const) {
      expect((await verify(s.t, owner, personPat.token, check)).allowed).toBe(expected);
      expect((await verify(s.t, owner, ci.token, check)).allowed).toBe(expected);
    }
  });

  it('"Grant a CI token edit scoped to one key … and that is all it can touch"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-one-key', scopes: ['sitekeys:edit'], resources: ['key_1'] });
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: troop, resource: 'key_1' })).allowed).toBe(true);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: troop, resource: 'key_2' })).allowed).toBe(false);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:edit', team: troop })).allowed).toBe(false);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view', team: troop, resource: 'key_1' })).allowed).toBe(false);
    expectProblem(await api.get('/v1/members', ci.token), 403, 'forbidden');
  });

  it('"It cannot manage members or other tokens unless you grant manage"', async () => {
    const plain = await issueTroopToken(troop, { name: 'ci-plain', scopes: ['sitekeys:view'] });
    expectProblem(await api.post(`/v1/teams/${troop}/members`, plain.token, { userId: employee.userId, scopes: ['sitekeys:view'] }), 403, 'forbidden');
    expectProblem(await api.post(`/v1/teams/${troop}/tokens`, plain.token, { name: 'child', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    const manager = await issueTroopToken(troop, { name: 'ci-manager', scopes: ['team:manage', 'sitekeys:view'] });
    const child = await issueTroopToken(troop, { name: 'child', scopes: ['sitekeys:view'] }, manager.token);
    expect((await verify(s.t, owner, child.token, { scope: 'sitekeys:view', team: troop })).allowed).toBe(true);
    // …and only within its own grant.
    expectProblem(await api.post(`/v1/teams/${troop}/tokens`, manager.token, { name: 'wider', scopes: ['sitekeys:edit'] }), 403, 'forbidden');
  });

  it('"it never reaches another troop or another account"', async () => {
    const manager = await issueTroopToken(troop, { name: 'ci-fenced', scopes: ['team:manage', 'sitekeys:view'] });
    expectProblem(await api.post(`/v1/teams/${otherTroop}/tokens`, manager.token, { name: 'x', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    const smallTeam = ok(await api.post('/v1/teams', small.token, { name: 'theirs' })).id;
    expectProblem(await api.get(`/v1/teams/${smallTeam}`, manager.token), 404, 'not_found');
    expect((await verify(s.t, small.token, manager.token, { scope: 'sitekeys:view' })).code).toBe('NOT_FOUND');
  });

  it('"On the troop\'s tokens surface (you need the manage permission)"', async () => {
    const viewer = await join(s.t, owner, 'member');
    ok(await api.post(`/v1/teams/${troop}/members`, owner, { userId: viewer.userId, scopes: ['sitekeys:view'] }));
    expectProblem(await api.post(`/v1/teams/${troop}/tokens`, viewer.session, { name: 'nope', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    const manager = await join(s.t, owner, 'member');
    ok(await api.post(`/v1/teams/${troop}/members`, owner, { userId: manager.userId, scopes: ['team:manage', 'sitekeys:view'] }));
    ok(await api.post(`/v1/teams/${troop}/tokens`, manager.session, { name: 'by a manager', scopes: ['sitekeys:view'] }));
  });

  it('"Its value is shown once, at creation"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-once', scopes: ['sitekeys:view'] });
    expect(ci.token).toMatch(/^cpt_sat_/);
    const listed = ok(await api.get(`/v1/teams/${troop}/tokens`, owner)).data.find((x: { id: string }) => x.id === ci.id);
    expect(listed.prefix).toBe(ci.prefix);
    expect(listed).not.toHaveProperty('token');
    expect(JSON.stringify(ok(await api.get(`/v1/tokens/${ci.id}`, owner)))).not.toContain(ci.token);
  });

  it('"Attach an existing token to the troop, or detach it, with its permissions and scope"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-attach', scopes: ['sitekeys:view'] });
    const check = { scope: 'sitekeys:edit', team: otherTroop, resource: 'key_3' };
    expect((await verify(s.t, owner, ci.token, check)).allowed).toBe(false);
    ok(await api.put(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner, { scopes: ['sitekeys:edit'], resources: ['key_3'] }));
    expect((await verify(s.t, owner, ci.token, check)).allowed).toBe(true);
    expect((await verify(s.t, owner, ci.token, { ...check, resource: 'key_4' })).allowed).toBe(false);
    ok(await api.del(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner));
    expect((await verify(s.t, owner, ci.token, check)).allowed).toBe(false);
    expect((await verify(s.t, owner, ci.token, { scope: 'sitekeys:view', team: troop })).allowed).toBe(true);
  });

  it('"Rotate a token to swap its secret in place (the old value stops working immediately), or revoke it to disable it"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-rotate', scopes: ['sitekeys:view'] });
    const rolled = ok(await api.post(`/v1/tokens/${ci.id}/roll`, owner));
    expect(rolled.id).toBe(ci.id);
    // The new value first: presenting the old one after its grace period is a replay, which revokes the token (reuse detection).
    expect((await verify(s.t, owner, rolled.token, { scope: 'sitekeys:view', team: troop })).allowed).toBe(true);
    expect((await verify(s.t, owner, ci.token)).valid).toBe(false);
    ok(await api.del(`/v1/tokens/${ci.id}`, owner));
    expect((await verify(s.t, owner, rolled.token)).code).toBe('REVOKED');
  });

  it('"Each attached token takes one seat from your pool"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-pool', scopes: ['sitekeys:view'] });
    const before = ok(await api.get('/v1/seats', owner)).used;
    ok(await api.put(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner, { scopes: ['sitekeys:view'] }));
    expect(ok(await api.get('/v1/seats', owner)).used).toBe(before + 1);
    ok(await api.del(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner));
    expect(ok(await api.get('/v1/seats', owner)).used).toBe(before);
    ok(await api.del(`/v1/tokens/${ci.id}`, owner));
    expect(ok(await api.get('/v1/seats', owner)).used).toBe(before - 1);
  });

  it('"On Apex, issuing, attaching, detaching, rotating, and revoking are all recorded in the troop audit log"', async () => {
    const ci = await issueTroopToken(troop, { name: 'ci-audited', scopes: ['sitekeys:view'] });
    ok(await api.put(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner, { scopes: ['sitekeys:view'] }));
    ok(await api.del(`/v1/teams/${otherTroop}/tokens/${ci.id}`, owner));
    ok(await api.post(`/v1/tokens/${ci.id}/roll`, owner));
    ok(await api.del(`/v1/tokens/${ci.id}`, owner));
    const actions = (await events(`token=${ci.id}`)).map((e) => e.action).reverse();
    expect(actions).toEqual(['token.minted', 'token.attached', 'token.attached', 'token.detached', 'token.rolled', 'token.revoked']);
    // Below Apex, the log is not readable (it is still written).
    const plans = ok(await api.get('/v1/org', small.token));
    expect(plans.plan).toBe('free');
    expect(plans.plans.filter((p: { features: { auditLog: boolean } }) => p.features.auditLog).map((p: { name: string }) => p.name)).toEqual(['apex']);
    expectProblem(await api.get('/v1/audit-events', small.token), 403, 'plan_feature_unavailable');
  });
});

describe('seed 001: Personal access token', () => {
  it('"the HTTP API, the MCP server, and the Terraform provider all authenticate with it as a Bearer token"', async () => {
    const me = ok(await s.t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${owner}` } }));
    expect(me.credential).toMatchObject({ type: 'token', kind: 'personal' });
    expect((await s.t.app.inject({ method: 'GET', url: '/v1/me' })).statusCode).toBe(401);
  });

  it('"Your account has exactly one, it is free"', async () => {
    const person = await join(s.t, owner, 'member');
    const seats = ok(await api.get('/v1/seats', owner)).used;
    const first = ok(await api.post('/v1/api-tokens', person.session, { name: 'mine' }));
    expectProblem(await api.post('/v1/api-tokens', person.session, { name: 'another' }), 409, 'token_limit_reached');
    expectProblem(await api.post('/v1/api-tokens', first.token, { name: 'minted by itself' }), 409, 'token_limit_reached');
    expect(ok(await api.get('/v1/seats', owner)).used).toBe(seats);
    // The org's own policy cannot raise the deployment's cap of one.
    ok(await api.patch('/v1/org', owner, { policy: { maxPersonalTokensPerUser: 5 } }));
    expectProblem(await api.post('/v1/api-tokens', person.session, { name: 'another' }), 409, 'token_limit_reached');
    ok(await api.patch('/v1/org', owner, { policy: { maxPersonalTokensPerUser: null } }));
    ok(await api.del(`/v1/api-tokens/${first.id}`, person.session));
    ok(await api.post('/v1/api-tokens', person.session, { name: 'mine again' }));
  });

  it('"The personal access token carries your own full access … anything you can do in the dashboard, it can do"', async () => {
    const viaToken = ok(await api.get('/v1/me', owner));
    const viaSession = ok(await api.get('/v1/me', s.owner));
    expect(viaToken.scopes).toEqual(viaSession.scopes);
    const employeeViaToken = ok(await api.get('/v1/me', employeePat.token));
    expect(employeeViaToken.grants).toEqual(ok(await api.get('/v1/me', employee.session)).grants);
  });

  it('"Create, rename, and delete troops"', async () => {
    const made = ok(await api.post('/v1/teams', owner, { name: 'temporary' }));
    expect(ok(await api.patch(`/v1/teams/${made.id}`, owner, { name: 'renamed' })).name).toBe('renamed');
    ok(await api.del(`/v1/teams/${made.id}`, owner));
    expectProblem(await api.get(`/v1/teams/${made.id}`, owner), 404, 'not_found');
  });

  it('"Manage members and their permissions in any of your troops"', async () => {
    const person = await join(s.t, owner, 'member');
    for (const team of [troop, otherTroop]) {
      ok(await api.post(`/v1/teams/${team}/members`, owner, { userId: person.userId, scopes: ['sitekeys:view'] }));
      expect(ok(await api.patch(`/v1/teams/${team}/members/${person.userId}`, owner, { scopes: ['sitekeys:edit'] })).scopes).toEqual(['sitekeys:edit']);
      ok(await api.del(`/v1/teams/${team}/members/${person.userId}`, owner));
    }
  });

  it('"Create, configure, and delete site keys, and rotate their secrets" (the host API asks Latchkey)', async () => {
    expect((await verify(s.t, owner, owner, { scope: 'sitekeys:edit', team: troop, resource: 'key_9' })).allowed).toBe(true);
  });

  it('"Configure hosted verification, game customization, and security"', async () => {
    expect((await verify(s.t, owner, owner, { scope: 'sitekeys:configure', resource: 'key_9' })).allowed).toBe(true);
    expect((await verify(s.t, owner, employeePat.token, { scope: 'sitekeys:configure', resource: 'key_9' })).allowed).toBe(false);
  });

  it('"Mint, rotate, and revoke other tokens, including troop access tokens"', async () => {
    const ci = await issueTroopToken(troop, { name: 'by the pat', scopes: ['sitekeys:view'] });
    const rolled = ok(await api.post(`/v1/tokens/${ci.id}/roll`, owner));
    expect(ok(await api.del(`/v1/tokens/${ci.id}`, owner)).status).toBe('revoked');
    expect((await verify(s.t, owner, rolled.token)).code).toBe('REVOKED');
    const key = ok(await api.post('/v1/tokens', owner, { name: 'automation', scopes: ['sitekeys:view'] }));
    expect(ok(await api.del(`/v1/tokens/${key.id}`, owner)).status).toBe('revoked');
  });

  it('"View seats and account-level settings"', async () => {
    expect(ok(await api.get('/v1/seats', owner))).toMatchObject({ limit: 100 });
    expect(ok(await api.get('/v1/org', owner))).toMatchObject({ plan: 'apex', policy: expect.any(Object) });
    expect(ok(await api.get('/v1/seats', employeePat.token))).toHaveProperty('used');
  });

  it('"Plan changes, payment, and cancellation are dashboard-only and are never exposed to any token"', async () => {
    expectProblem(await api.patch('/v1/org', owner, { plan: 'pro' }), 403, 'session_required');
    const key = ok(await api.post('/v1/tokens', owner, { name: 'everything', role: 'owner' }));
    expectProblem(await api.patch('/v1/org', key.token, { plan: 'pro' }), 403, 'session_required');
    expectProblem(await api.post('/v1/orgs', owner, { name: 'new account' }), 403, 'session_required');
    expect(ok(await api.get('/v1/org', owner)).plan).toBe('apex');
    ok(await api.del(`/v1/tokens/${key.id}`, owner));
  });

  it('"It only ever acts within your own account; it cannot touch resources you do not own"', async () => {
    const theirs = ok(await api.post('/v1/teams', small.token, { name: 'not yours' })).id;
    expectProblem(await api.get(`/v1/teams/${theirs}`, owner), 404, 'not_found');
    expectProblem(await api.del(`/v1/teams/${theirs}`, owner), 404, 'not_found');
    expectProblem(await api.del(`/v1/tokens/${small.tokenId}`, owner), 404, 'not_found');
  });

  it('"Once revoked or rotated, the old value stops authenticating on its next use"', async () => {
    const person = await join(s.t, owner, 'member');
    const pat = ok(await api.post('/v1/api-tokens', person.session, { name: 'short life' }));
    const rolled = ok(await api.post(`/v1/api-tokens/${pat.id}/roll`, pat.token));
    ok(await api.get('/v1/me', rolled.token));
    // Rotated: the old value fails on its next use (and, replayed, revokes the token: reuse detection).
    expectProblem(await api.get('/v1/me', pat.token), 401, 'token_revoked');
    // Revoked: the value fails on its next use.
    const next = ok(await api.post('/v1/api-tokens', person.session, { name: 'short life, again' }));
    ok(await api.get('/v1/me', next.token));
    ok(await api.del(`/v1/api-tokens/${next.id}`, next.token));
    expectProblem(await api.get('/v1/me', next.token), 401, 'token_revoked');
  });

  it('"Can mint other tokens: Yes | No"', async () => {
    const ci = await issueTroopToken(troop, { name: 'cannot mint', scopes: ['sitekeys:view'] });
    expectProblem(await api.post('/v1/api-tokens', ci.token, { name: 'x' }), 403, 'forbidden');
    expectProblem(await api.post(`/v1/teams/${troop}/tokens`, ci.token, { name: 'x', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    expectProblem(await api.post('/v1/tokens', ci.token, { name: 'x', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    ok(await api.post(`/v1/teams/${troop}/tokens`, owner, { name: 'can mint', scopes: ['sitekeys:view'] }));
  });

  it('"Mint creates the token. Its value is shown once, at creation"', async () => {
    const person = await join(s.t, owner, 'member');
    const pat = ok(await api.post('/v1/api-tokens', person.session, { name: 'shown once' }));
    expect(pat.token).toMatch(/^cpt_pat_/);
    const listed = ok(await api.get('/v1/api-tokens', person.session)).data;
    expect(listed).toHaveLength(1);
    expect(listed[0]).not.toHaveProperty('token');
    expect(JSON.stringify(ok(await api.get(`/v1/api-tokens/${pat.id}`, person.session)))).not.toContain(pat.token);
  });

  it('"Rotate swaps the secret in place. The id and name stay the same; the old value stops working immediately"', async () => {
    const person = await join(s.t, owner, 'member');
    const pat = ok(await api.post('/v1/api-tokens', person.session, { name: 'rotating' }));
    const rolled = ok(await api.post(`/v1/api-tokens/${pat.id}/roll`, person.session));
    expect({ id: rolled.id, name: rolled.name }).toEqual({ id: pat.id, name: pat.name });
    expect(rolled.token).not.toBe(pat.token);
    expect((await verify(s.t, owner, rolled.token)).code).toBe('VALID');
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
  });

  it('"Revoke disables it. The next request with the old value fails"', async () => {
    const person = await join(s.t, owner, 'member');
    const pat = ok(await api.post('/v1/api-tokens', person.session, { name: 'revoking' }));
    ok(await api.get('/v1/me', pat.token));
    ok(await api.del(`/v1/api-tokens/${pat.id}`, person.session));
    expectProblem(await api.get('/v1/me', pat.token), 401, 'token_revoked');
  });

  it('"On the Apex plan, every action the token takes is on the audit logs, attributed to the token by name (not to a browser session)"', async () => {
    const made = ok(await api.post('/v1/teams', owner, { name: 'by token' }));
    const [event] = await events(`action=team.created&target=${made.id}`);
    expect(event!.actor).toMatchObject({ type: 'token', name: 'initial token', prefix: owner.slice(0, 'cpt_pat_'.length + 4) });
    const bySession = ok(await api.post('/v1/teams', s.owner, { name: 'by session' }));
    const [other] = await events(`action=team.created&target=${bySession.id}`);
    expect(other!.actor.type).toBe('user');
  });

  it('"The token\'s own lifecycle (mint, rotate, revoke) is on the account log as account.pat.mint, account.pat.rotate, and account.pat.revoke"', async () => {
    const person = await join(s.t, owner, 'member');
    const pat = ok(await api.post('/v1/api-tokens', person.session, { name: 'lifecycle' }));
    ok(await api.post(`/v1/api-tokens/${pat.id}/roll`, person.session));
    ok(await api.del(`/v1/api-tokens/${pat.id}`, person.session));
    const actions = (await events(`target=${pat.id}`)).map((e) => e.action).reverse();
    expect(actions).toEqual(['account.pat.mint', 'account.pat.rotate', 'account.pat.revoke']);
    expect((await events('action=account.pat.*')).length).toBeGreaterThanOrEqual(3);
    // Troop tokens keep Latchkey's names.
    const ci = await issueTroopToken(troop, { name: 'not a pat', scopes: ['sitekeys:view'] });
    expect((await events(`target=${ci.id}`)).map((e) => e.action)).toEqual(['token.attached', 'token.minted']);
  });

  it('"Anything the token then does is recorded on the level it touched, with the token as the actor"', async () => {
    const person = await join(s.t, owner, 'member');
    ok(await api.post(`/v1/teams/${troop}/members`, owner, { userId: person.userId, scopes: ['sitekeys:view'] }));
    const [event] = await events(`action=team.member_added&target=${person.userId}`);
    expect(event!.actor).toMatchObject({ type: 'token', name: 'initial token' });
    expect(event!.metadata.teamId).toBe(troop);
  });

  it('"filter the actor to personal access tokens (or search the token\'s name)"', async () => {
    ok(await api.post(`/v1/teams/${troop}/tokens`, owner, { name: 'filtered', scopes: ['sitekeys:view'] }));
    const ci = await issueTroopToken(troop, { name: 'troop actor', scopes: ['team:manage', 'sitekeys:view'] });
    ok(await api.post(`/v1/teams/${troop}/tokens`, ci.token, { name: 'by troop token', scopes: ['sitekeys:view'] }));
    const byPats = await events('actor=personal_token&limit=200');
    expect(byPats.length).toBeGreaterThan(0);
    expect(byPats.every((e) => e.actor.type === 'token' && e.actor.prefix.startsWith('cpt_pat_'))).toBe(true);
    const byName = await events('actor=troop%20actor');
    expect(byName.map((e) => e.action)).toContain('token.minted');
    expect(byName.every((e) => e.actor.name === 'troop actor')).toBe(true);
  });

  it('"turn on denied attempts to catch anything it tried but was not allowed to do"', async () => {
    expectProblem(await api.patch('/v1/org', employeePat.token, { name: 'taken over' }), 403, 'forbidden');
    expectProblem(await api.post(`/v1/teams/${troop}/tokens`, employeePat.token, { name: 'sneaky', scopes: ['sitekeys:view'] }), 403, 'forbidden');
    const denied = await events(`action=access.denied&actor=${employeePat.id}`);
    expect(denied.map((e) => e.metadata.route)).toEqual([`/v1/teams/:id/tokens`, '/v1/org']);
    expect(denied[0]!.actor).toMatchObject({ type: 'token', name: 'laptop' });
    expect(denied[0]!.metadata).toMatchObject({ method: 'POST', code: 'forbidden' });
    expect(denied[0]!.target.id).toBe(troop);
    expect(JSON.stringify(denied)).not.toContain(employeePat.token);
    // Off in the log until turned on.
    expect((await events(`actor=${employeePat.id}&limit=200`)).map((e) => e.action)).not.toContain('access.denied');
    expect((await events(`actor=${employeePat.id}&denied=include&limit=200`)).filter((e) => e.action === 'access.denied')).toHaveLength(2);
    expect((await events(`actor=${employeePat.id}&denied=only`)).map((e) => e.action)).toEqual(['access.denied', 'access.denied']);
  });
});

