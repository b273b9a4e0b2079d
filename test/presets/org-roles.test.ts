// Org-roles preset (seed 003, personal access tokens and API keys): each test is
// one rule-bearing sentence of the seed, named by a short quote of it, checked
// over HTTP against a server initialised with the preset.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrg, expectProblem, type TestOrg } from '../helpers.js';
import { client, join, ok, presetServer, verify, type Person, type PresetServer } from './helpers.js';

let s: PresetServer;
let api: ReturnType<typeof client>;
let owner: string;
let admin: Person;
let adminPat: string;
let other: TestOrg; // a second org on the same server

beforeAll(async () => {
  s = await presetServer('org-roles');
  api = client(s.t);
  owner = s.org.token;
  admin = await join(s.t, owner, 'admin');
  adminPat = ok(await api.post('/v1/api-tokens', admin.session, { name: 'admin cli' })).token;
  other = await createTestOrg(s.t, 'other org');
});
afterAll(() => s.t.close());

/** A member with a PAT that inherits their role. */
async function memberWithPat(role = 'member', name = 'laptop-cli') {
  const person = await join(s.t, owner, role);
  const pat = ok(await api.post('/v1/api-tokens', person.session, { name }));
  return { person, pat };
}

describe('seed 003: Personal access tokens', () => {
  it('"Personal access tokens (PATs) are per-user API credentials"', async () => {
    const { person, pat } = await memberWithPat();
    expect(ok(await api.get('/v1/me', pat.token)).principal).toMatchObject({ type: 'user', id: person.userId, email: person.email });
    const mine = ok(await api.get('/v1/api-tokens', pat.token)).data;
    expect(mine.map((t: { id: string }) => t.id)).toEqual([pat.id]);
  });

  it('"They authenticate as you and inherit your current role at request time"', async () => {
    const { person, pat } = await memberWithPat();
    expect(ok(await api.get('/v1/me', pat.token)).role).toBe('member');
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'admin' }));
    expect(ok(await api.get('/v1/me', pat.token)).role).toBe('admin');
    expect((await verify(s.t, owner, pat.token, { scope: 'members:manage' })).allowed).toBe(true);
  });

  it('"For shared service credentials that survive your departure from the org, use API keys instead"', async () => {
    const leaving = await join(s.t, owner, 'admin');
    const key = ok(await api.post('/v1/tokens', leaving.session, { name: 'nightly-job', role: 'member' }));
    const pat = ok(await api.post('/v1/api-tokens', leaving.session, { name: 'mine' }));
    ok(await api.del(`/v1/members/${leaving.userId}`, owner));
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, key.token, { scope: 'projects:write' })).code).toBe('VALID');
  });

  it('"Owner: One specific user | The organization"', async () => {
    const { person, pat } = await memberWithPat();
    const key = ok(await api.post('/v1/tokens', adminPat, { name: 'owned by the org', role: 'viewer' }));
    expect((await verify(s.t, owner, pat.token)).principal).toMatchObject({ type: 'user', id: person.userId });
    expect((await verify(s.t, owner, key.token)).principal).toEqual({ type: 'org', id: s.org.orgId, name: 'org-roles org' });
    expect(ok(await api.get(`/v1/tokens/${key.id}`, owner))).toMatchObject({ ownerUserId: null, role: 'viewer', kind: 'service' });
  });

  it('"Role: Inherits the user\'s current role on every request"', async () => {
    const { person, pat } = await memberWithPat();
    expect((await verify(s.t, owner, pat.token, { scope: 'projects:write' })).allowed).toBe(true);
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'viewer' }));
    expect((await verify(s.t, owner, pat.token, { scope: 'projects:write' })).allowed).toBe(false);
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'member' }));
    expect((await verify(s.t, owner, pat.token, { scope: 'projects:write' })).allowed).toBe(true);
  });

  it('"Fixed at creation, must be <= creator\'s role"', async () => {
    const creator = await join(s.t, owner, 'admin');
    const key = ok(await api.post('/v1/tokens', creator.session, { name: 'fixed', role: 'admin' }));
    expectProblem(await api.post('/v1/tokens', creator.session, { name: 'above me', role: 'owner' }), 403, 'forbidden');
    // The creator's later demotion does not change the key's role: it was fixed at creation.
    ok(await api.patch(`/v1/members/${creator.userId}`, owner, { role: 'member' }));
    expect((await verify(s.t, owner, key.token, { scope: 'members:manage' })).allowed).toBe(true);
    expect(ok(await api.get(`/v1/tokens/${key.id}`, owner)).role).toBe('admin');
  });

  it('"Survives user removal: No, suspended/deleted with the user | Yes"', async () => {
    const { person, pat } = await memberWithPat('admin');
    const key = ok(await api.post('/v1/tokens', person.session, { name: 'survivor', role: 'member' }));
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { status: 'suspended' }));
    expect((await verify(s.t, owner, pat.token)).code).toBe('SUSPENDED');
    expect((await verify(s.t, owner, key.token)).code).toBe('VALID');
    ok(await api.del(`/v1/members/${person.userId}`, owner));
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
    expect((await verify(s.t, owner, key.token)).code).toBe('VALID');
  });

  it('"Created by: The user themselves | An Admin"', async () => {
    const { person, pat } = await memberWithPat();
    // A PAT is always the caller's own: there is no way to mint one for someone else.
    const minted = ok(await api.post('/v1/api-tokens', adminPat, { name: 'for whom?' }));
    expect(minted.ownerUserId).toBe(admin.userId);
    expect(ok(await api.get(`/v1/api-tokens/${pat.id}`, pat.token)).ownerUserId).toBe(person.userId);
    expectProblem(await api.get(`/v1/api-tokens/${pat.id}`, adminPat), 404, 'not_found');
    // API keys: an admin creates them; a member (token or session) cannot.
    expectProblem(await api.post('/v1/tokens', pat.token, { name: 'member key', role: 'viewer' }), 403, 'forbidden');
    expectProblem(await api.post('/v1/tokens', person.session, { name: 'member key', role: 'viewer' }), 403, 'forbidden');
    expect(ok(await api.post('/v1/tokens', adminPat, { name: 'admin key', role: 'viewer' })).token).toMatch(/^lk_sat_/);
  });

  it('"Expiration — set as short as practical. PATs without an expiry should be the exception."', async () => {
    const person = await join(s.t, owner, 'member');
    const short = ok(await api.post('/v1/api-tokens', person.session, { name: 'short', expiresIn: '7d' }));
    expect(new Date(short.expiresAt).getTime() - s.t.clock.now().getTime()).toBe(7 * 86_400_000);
    // Allowed without one, and an org can make expiry the rule with its policy.
    expect(ok(await api.post('/v1/api-tokens', person.session, { name: 'exception' })).expiresAt).toBeNull();
    ok(await api.patch('/v1/org', owner, { policy: { requireExpiry: true } }));
    try {
      expectProblem(await api.post('/v1/api-tokens', person.session, { name: 'no expiry' }), 400, 'expiry_required');
    } finally {
      ok(await api.patch('/v1/org', owner, { policy: { requireExpiry: false } }));
    }
  });

  it('"Permissions (optional) — narrow the inherited role to a subset of permission strings"', async () => {
    const person = await join(s.t, owner, 'member');
    const narrow = ok(await api.post('/v1/api-tokens', person.session, { name: 'read only', scopes: ['projects:read'] }));
    expect((await verify(s.t, owner, narrow.token, { scope: 'projects:read' })).allowed).toBe(true);
    expect((await verify(s.t, owner, narrow.token, { scope: 'projects:write' })).allowed).toBe(false);
    expectProblem(await api.post('/v1/api-tokens', person.session, { name: 'superset', scopes: ['members:manage'] }), 403, 'forbidden');
    // Narrowed, and still following the role: a downgrade takes away what the role loses.
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'viewer' }));
    const both = ok(await api.post('/v1/api-tokens', person.session, { name: 'subset', scopes: ['projects:read'] }));
    expect((await verify(s.t, owner, both.token, { scope: 'projects:read' })).allowed).toBe(true);
  });

  it('"Copy the secret immediately. It is shown once."', async () => {
    const { person, pat } = await memberWithPat();
    const seen = JSON.stringify([ok(await api.get('/v1/api-tokens', person.session)), ok(await api.get(`/v1/api-tokens/${pat.id}`, person.session)), ok(await api.get('/v1/tokens', owner))]);
    expect(seen).not.toContain(pat.token);
    expect(seen).toContain(pat.prefix);
  });

  it('"The first 10 characters are a non-secret prefix used to identify the token in lists and logs"', async () => {
    const { person, pat } = await memberWithPat();
    expect(pat.prefix).toHaveLength(10);
    expect(pat.token.startsWith(pat.prefix)).toBe(true);
    const key = ok(await api.post('/v1/tokens', adminPat, { name: 'prefixed key', role: 'viewer' }));
    expect(key.prefix).toBe(key.token.slice(0, 10));
    const listed = ok(await api.get('/v1/api-tokens', person.session)).data[0];
    expect(listed.prefix).toBe(pat.token.slice(0, 10));
    ok(await api.get('/v1/me', pat.token));
    const logged = ok(await api.get(`/v1/audit-events?target=${pat.id}`, owner)).data;
    expect(logged[0].metadata.prefix).toBe(pat.prefix);
    await s.t.deps.lastUse.flush();
    const [use] = ok(await api.get(`/v1/audit-events?action=token.used&actor=${pat.id}`, owner)).data;
    expect(use.actor.prefix).toBe(pat.prefix);
    expect(s.t.log.text).not.toContain(pat.token);
  });

  it('"Same headers as API keys — both are accepted"', async () => {
    const { pat } = await memberWithPat();
    const key = ok(await api.post('/v1/tokens', adminPat, { name: 'header key', role: 'viewer' }));
    for (const token of [pat.token, key.token]) {
      expect((await s.t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      expect((await s.t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': token } })).statusCode).toBe(200);
    }
  });

  it('"The server runs a bcrypt comparison on the presented secret against the stored hash" (kept as a keyed hash; see deviations)', async () => {
    const { pat } = await memberWithPat();
    const stored = await s.t.deps.db.selectFrom('token_secrets').select('hash').where('token_id', '=', pat.id).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.hash).not.toContain(pat.token);
    const row = await s.t.deps.db.selectFrom('tokens').selectAll().where('id', '=', pat.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(pat.token.slice(10));
    // A wrong secret with a valid shape is refused against the stored hash.
    const tampered = pat.token.slice(0, 12) + (pat.token[12] === 'A' ? 'B' : 'A') + pat.token.slice(13);
    expect((await verify(s.t, owner, tampered)).valid).toBe(false);
  });

  it('"PATs do not snapshot a role. They re-evaluate on every request"', async () => {
    const { person, pat } = await memberWithPat();
    const before = ok(await api.get('/v1/me', pat.token)).scopes;
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'admin' }));
    const after = ok(await api.get('/v1/me', pat.token)).scopes;
    expect(after).toContain('members:manage');
    expect(before).not.toContain('members:manage');
    expect(ok(await api.get(`/v1/api-tokens/${pat.id}`, pat.token)).inheritsOwnerPermissions).toBe(true);
  });

  it('"If your role is downgraded, your PATs immediately have the new lower role"', async () => {
    const { person, pat } = await memberWithPat('admin');
    ok(await api.get('/v1/members', pat.token));
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { role: 'viewer' }));
    expect(ok(await api.get('/v1/me', pat.token)).role).toBe('viewer');
    expectProblem(await api.post('/v1/tokens', pat.token, { name: 'too late', role: 'viewer' }), 403, 'forbidden');
    expectProblem(await api.post('/v1/members', pat.token, { email: 'x@example.com', role: 'viewer' }), 403, 'forbidden');
  });

  it('"If your account is suspended or removed, every PAT you own stops working"', async () => {
    const person = await join(s.t, owner, 'member');
    const one = ok(await api.post('/v1/api-tokens', person.session, { name: 'one' }));
    const two = ok(await api.post('/v1/api-tokens', person.session, { name: 'two', scopes: ['projects:read'] }));
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { status: 'suspended' }));
    for (const t of [one, two]) expectProblem(await api.get('/v1/me', t.token), 401, 'account_suspended');
    ok(await api.patch(`/v1/members/${person.userId}`, owner, { status: 'active' }));
    ok(await api.get('/v1/me', one.token));
    ok(await api.del(`/v1/members/${person.userId}`, owner));
    for (const t of [one, two]) expectProblem(await api.get('/v1/me', t.token), 401, 'token_revoked');
  });

  it('"If you change orgs, the PAT remains bound to the org it was created in"', async () => {
    const { person, pat } = await memberWithPat();
    ok(await api.post('/v1/members', other.token, { email: person.email, role: 'admin' }));
    expect(ok(await api.get('/v1/me', pat.token)).org.id).toBe(s.org.orgId);
    // Naming the other org changes nothing for a token: it stays in its own.
    const res = await s.t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${pat.token}`, 'latchkey-org': other.orgId } });
    expect(res.json().org.id).toBe(s.org.orgId);
    const theirTeam = ok(await api.post('/v1/teams', other.token, { name: 'theirs' })).id;
    expectProblem(await api.get(`/v1/teams/${theirTeam}`, pat.token), 404, 'not_found');
    expect(ok(await api.get('/v1/members', pat.token)).data.map((m: { userId: string }) => m.userId)).not.toContain(other.ownerId);
    expect((await verify(s.t, other.token, pat.token)).code).toBe('NOT_FOUND');
  });

  it('"This is the right behavior for a personal credential; it makes offboarding atomic"', async () => {
    const person = await join(s.t, owner, 'member');
    const tokens = [];
    for (const name of ['a', 'b', 'c']) tokens.push(ok(await api.post('/v1/api-tokens', person.session, { name })));
    expect(ok(await api.del(`/v1/members/${person.userId}`, owner))).toMatchObject({ revokedTokens: 3 });
    const [removed] = ok(await api.get(`/v1/audit-events?action=member.removed&target=${person.userId}`, owner)).data;
    expect([...removed.metadata.revokedTokens].sort()).toEqual(tokens.map((t) => t.id).sort());
  });

  it('"Revocation is immediate"', async () => {
    const { person, pat } = await memberWithPat();
    ok(await api.get('/v1/me', pat.token));
    expect(ok(await api.del(`/v1/api-tokens/${pat.id}`, person.session)).status).toBe('revoked');
    expectProblem(await api.get('/v1/me', pat.token), 401, 'token_revoked');
  });

  it('"There is no rotation; create a new PAT, switch to it, then revoke the old one"', async () => {
    const { person, pat } = await memberWithPat();
    expectProblem(await api.post(`/v1/api-tokens/${pat.id}/roll`, person.session), 403, 'rotation_disabled');
    expectProblem(await api.post(`/v1/api-tokens/${pat.id}/roll`, pat.token), 403, 'rotation_disabled');
    expectProblem(await api.post(`/v1/tokens/${pat.id}/roll`, owner), 403, 'rotation_disabled');
    ok(await api.get('/v1/me', pat.token)); // the refused roll changed nothing
    const next = ok(await api.post('/v1/api-tokens', person.session, { name: 'laptop-cli-2' }));
    ok(await api.get('/v1/me', next.token));
    ok(await api.del(`/v1/api-tokens/${pat.id}`, next.token));
    expectProblem(await api.get('/v1/me', pat.token), 401, 'token_revoked');
    ok(await api.get('/v1/me', next.token));
  });

  it('"If you need a credential that survives offboarding, ask an Admin to create an API key"', async () => {
    const { person } = await memberWithPat();
    expectProblem(await api.post('/v1/tokens', person.session, { name: 'mine', role: 'member' }), 403, 'forbidden');
    const key = ok(await api.post('/v1/tokens', adminPat, { name: 'for the team', role: 'member' }));
    ok(await api.del(`/v1/members/${person.userId}`, owner));
    expect((await verify(s.t, owner, key.token, { scope: 'projects:write' })).code).toBe('VALID');
  });
});
