// No escalation, ever: each rule of SPEC §3 with a test that tries to break it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveToken } from '../../src/auth/credentials.js';
import { createOrgApiKey } from '../../src/tokens/admin.js';
import { createServiceAccount } from '../../src/service-accounts/service.js';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object, token = org.token) => request(t, { method: 'POST', url, token, payload });

describe('no escalation', () => {
  it('a member cannot mint a personal token with a scope they lack', async () => {
    const member = await addMember(t, org, 'member');
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', session: member.session, payload: { name: 'x', scopes: ['members:manage'] } });
    const body = expectProblem(res, 403, 'forbidden');
    expect(body.detail).toContain('members:manage');
    // The member's token mints for the member (self-service), but never beyond the member.
    expectProblem(await post('/v1/api-tokens', { name: 'y', scopes: ['members:manage'] }, member.token), 403, 'forbidden');
    expectProblem(await post('/v1/api-tokens', { name: 'z', scopes: ['tokens:admin'] }, member.token), 403, 'forbidden');
    const own = await post('/v1/api-tokens', { name: 'own' }, member.token);
    expect(own.statusCode).toBe(201);
    expect(own.json().scopes).not.toContain('members:manage');
    expect(own.json().scopes).not.toContain('tokens:admin');
  });

  it('a narrowed token mints only within its narrowing, even when it names no scopes', async () => {
    const narrow = (await post('/v1/api-tokens', { name: 'narrow', scopes: ['tokens:manage', 'issues:read'] })).json();
    expectProblem(await post('/v1/api-tokens', { name: 'wider', scopes: ['org:manage'] }, narrow.token), 403, 'forbidden');
    const child = await post('/v1/api-tokens', { name: 'child' }, narrow.token);
    expect(child.statusCode).toBe(201);
    expect(child.json().scopes).toEqual(['issues:read', 'tokens:manage']);
    const me = (await request(t, { method: 'GET', url: '/v1/me', token: child.json().token })).json();
    expect(me.scopes).toEqual(['issues:read', 'tokens:manage']);
  });

  it('a token minted by a token cannot outlive it', async () => {
    const parent = (await post('/v1/api-tokens', { name: 'parent', expiresIn: '30d' })).json();
    expectProblem(await post('/v1/api-tokens', { name: 'late', expiresIn: '90d' }, parent.token), 400, 'expiry_exceeds_parent');
    expectProblem(await post('/v1/api-tokens', { name: 'never', expiresAt: null }, parent.token), 400, 'expiry_exceeds_parent');
    const inherit = await post('/v1/api-tokens', { name: 'inherits' }, parent.token);
    expect(inherit.json().expiresAt).toBe(parent.expiresAt);
    // The same holds for service tokens the parent mints.
    expectProblem(await post('/v1/tokens', { name: 'key', role: 'viewer', expiresIn: '1y' }, parent.token), 400, 'expiry_exceeds_parent');
  });

  it("an org API key's role must not exceed its creator's", async () => {
    const admin = await addMember(t, org, 'admin');
    expectProblem(await post('/v1/tokens', { name: 'k1', role: 'owner' }, admin.token), 403, 'forbidden');
    const ok = await post('/v1/tokens', { name: 'k2', role: 'admin' }, admin.token);
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ kind: 'service', role: 'admin' });
    // The key itself cannot mint an owner key either.
    expectProblem(await post('/v1/tokens', { name: 'k3', role: 'owner' }, ok.json().token), 403, 'forbidden');
    // And its principal is the org, not the admin.
    const me = (await request(t, { method: 'GET', url: '/v1/me', token: ok.json().token })).json();
    expect(me.principal).toMatchObject({ type: 'org', id: org.orgId });
    const member = await addMember(t, org, 'member');
    expectProblem(await request(t, { method: 'POST', url: '/v1/tokens', session: member.session, payload: { name: 'k4', role: 'viewer' } }), 403, 'forbidden');
  });

  it('an admin cannot make anyone owner, nor change an owner', async () => {
    const admin = await addMember(t, org, 'admin');
    expectProblem(await request(t, { method: 'PATCH', url: `/v1/members/${admin.userId}`, token: admin.token, payload: { role: 'owner' } }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'PATCH', url: `/v1/members/${org.ownerId}`, token: admin.token, payload: { role: 'viewer' } }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/members/${org.ownerId}`, token: admin.token }), 403, 'forbidden');
    expectProblem(await post('/v1/members', { email: 'boss@example.com', role: 'owner' }, admin.token), 403, 'forbidden');
  });

  it('a team token without team:manage cannot manage the team; grants beyond the granter are refused', async () => {
    const team = (await post('/v1/teams', { name: 'esc' })).json();
    const tok = (await post(`/v1/teams/${team.id}/tokens`, { name: 'worker', scopes: ['issues:read', 'teams:read'] })).json();
    const member = await addMember(t, org, 'viewer');
    expectProblem(await post(`/v1/teams/${team.id}/members`, { userId: member.userId, scopes: ['issues:read'] }, tok.token), 403, 'forbidden');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/teams/${team.id}/tokens/${tok.id}`, token: tok.token }), 403, 'forbidden');
    // A viewer session cannot hand out scopes it lacks through a service account or an attachment.
    expectProblem(await request(t, { method: 'POST', url: '/v1/service-accounts', session: member.session, payload: { name: 'sa', scopes: ['issues:write'] } }), 403, 'forbidden');
    const manager = await addMember(t, org, 'viewer');
    await post(`/v1/teams/${team.id}/members`, { userId: manager.userId, scopes: ['team:manage', 'issues:read'] });
    const key = (await post('/v1/tokens', { name: 'to-attach', scopes: ['org:read'] })).json();
    expectProblem(
      await request(t, { method: 'PUT', url: `/v1/teams/${team.id}/tokens/${key.id}`, token: manager.token, payload: { scopes: ['issues:write'] } }),
      403,
      'forbidden',
    );
  });

  it('a demotion that commits while a request is in flight stops it from minting with the old role', async () => {
    const admin = await addMember(t, org, 'admin');
    // The request authenticated while the person was still an admin...
    const resolved = await resolveToken(t.deps, admin.token);
    if (!resolved.ok) throw new Error('admin token did not resolve');
    const ctx = { actor: resolved.actor, requestId: 'req_race', ip: null, userAgent: null };
    // ...and the demotion commits before its write.
    await request(t, { method: 'PATCH', url: `/v1/members/${admin.userId}`, token: org.token, payload: { role: 'viewer' } });
    const before = await t.deps.db.selectFrom('tokens').select('id').execute();
    await expect(createOrgApiKey(t.deps, ctx, { name: 'stale admin key', role: 'admin' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(createServiceAccount(t.deps, ctx, { name: 'stale sa', scopes: ['members:manage'] })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await t.deps.db.selectFrom('tokens').select('id').execute()).toHaveLength(before.length);
    // What the viewer still holds can still be given.
    await expect(createOrgApiKey(t.deps, ctx, { name: 'viewer key', role: 'viewer' })).resolves.toMatchObject({ role: 'viewer' });
  });

  it('billing is never reachable by a token, whatever its scopes', async () => {
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { plan: 'apex' } });
    expectProblem(res, 403, 'session_required');
    expect((await request(t, { method: 'GET', url: '/v1/org', token: org.token })).json().plan).toBe('pro');
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const ok = await request(t, { method: 'PATCH', url: '/v1/org', session, payload: { plan: 'apex' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().plan).toBe('apex');
    expectProblem(await post('/v1/orgs', { name: 'from a token' }), 403, 'session_required');
  });
});

describe('org-wide token administration', () => {
  it('lists every token with filters; admins roll and revoke any token; members cannot', async () => {
    const member = await addMember(t, org, 'member');
    const sa = (await post('/v1/service-accounts', { name: 'listing', scopes: ['issues:read'] })).json();
    const saToken = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'l' })).json();

    const all = (await request(t, { method: 'GET', url: '/v1/tokens?limit=200', token: org.token })).json();
    const ids = all.data.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining([member.tokenId, saToken.id, org.tokenId]));
    const personal = (await request(t, { method: 'GET', url: '/v1/tokens?kind=personal&limit=200', token: org.token })).json();
    expect(personal.data.every((x: { kind: string }) => x.kind === 'personal')).toBe(true);
    const byOwner = (await request(t, { method: 'GET', url: `/v1/tokens?owner=${member.userId}`, token: org.token })).json();
    expect(byOwner.data.map((x: { id: string }) => x.id)).toEqual([member.tokenId]);
    const bySa = (await request(t, { method: 'GET', url: `/v1/tokens?owner=${sa.id}`, token: org.token })).json();
    expect(bySa.data.map((x: { id: string }) => x.id)).toEqual([saToken.id]);

    expectProblem(await request(t, { method: 'GET', url: '/v1/tokens', token: member.token }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/tokens/${org.tokenId}`, token: member.token }), 403, 'forbidden');

    const rolled = await post(`/v1/tokens/${member.tokenId}/roll`, {});
    expect(rolled.statusCode).toBe(200);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: member.token })).statusCode).toBe(401);
    const revoked = await request(t, { method: 'DELETE', url: `/v1/tokens/${saToken.id}`, token: org.token });
    expect(revoked.json().status).toBe('revoked');
    const revokedList = (await request(t, { method: 'GET', url: '/v1/tokens?status=revoked&limit=200', token: org.token })).json();
    expect(revokedList.data.map((x: { id: string }) => x.id)).toContain(saToken.id);
  });

  it('revokes every token in the org in one call, one transaction, one audit event', async () => {
    const fresh = await createTestApp();
    try {
      const o = await createTestOrg(fresh);
      const m = await addMember(fresh, o, 'member');
      const key = (await request(fresh, { method: 'POST', url: '/v1/tokens', token: o.token, payload: { name: 'k', role: 'viewer' } })).json();
      const res = await request(fresh, { method: 'POST', url: '/v1/tokens/revoke-all', token: o.token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ revoked: 3 });
      for (const token of [o.token, m.token, key.token]) {
        expect((await request(fresh, { method: 'GET', url: '/v1/me', token })).statusCode).toBe(401);
      }
      const events = await fresh.deps.db.selectFrom('audit_events').selectAll().where('action', '=', 'token.revoked_all').execute();
      expect(events).toHaveLength(1);
      expect(JSON.parse(events[0]!.metadata).count).toBe(3);
    } finally {
      await fresh.close();
    }
  });
});
