import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const me = (token: string) => request(t, { method: 'GET', url: '/v1/me', token });
const patch = (token: string, userId: string, payload: object) => request(t, { method: 'PATCH', url: `/v1/members/${userId}`, token, payload });
const verify = (token: string) => request(t, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token } });

describe('GET /v1/members', () => {
  it('lists members as {data, nextCursor}, in pages', async () => {
    const fresh = await createTestOrg(t);
    const added = [await addMember(t, fresh, 'member'), await addMember(t, fresh, 'viewer')];
    const first = await request(t, { method: 'GET', url: '/v1/members?limit=2', token: fresh.token });
    expect(first.statusCode).toBe(200);
    const page = first.json();
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).toEqual(expect.any(String));
    const second = (await request(t, { method: 'GET', url: `/v1/members?limit=2&cursor=${page.nextCursor}`, token: fresh.token })).json();
    expect(second.nextCursor).toBeNull();
    const all = [...page.data, ...second.data];
    expect(all.map((m: { userId: string }) => m.userId).sort()).toEqual([fresh.ownerId, ...added.map((a) => a.userId)].sort());
    const owner = all.find((m: { userId: string }) => m.userId === fresh.ownerId);
    expect(owner).toMatchObject({ email: fresh.ownerEmail, role: 'owner', status: 'active', createdAt: expect.any(String) });
  });

  it('needs members:read', async () => {
    const narrow = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'narrow', scopes: ['org:read'] } })).json();
    expectProblem(await request(t, { method: 'GET', url: '/v1/members', token: narrow.token }), 403, 'forbidden');
  });

  it('GET /v1/members/{userId}: one member; another org’s member is 404', async () => {
    const res = await request(t, { method: 'GET', url: `/v1/members/${org.ownerId}`, token: org.token });
    expect(res.json()).toMatchObject({ userId: org.ownerId, role: 'owner' });
    const other = await createTestOrg(t);
    expectProblem(await request(t, { method: 'GET', url: `/v1/members/${other.ownerId}`, token: org.token }), 404, 'not_found');
  });
});

describe('POST /v1/members', () => {
  it('an unknown email gets an invitation, its token returned once', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'New.Person@Example.com', role: 'member' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.member).toBeNull();
    expect(body.invitation).toMatchObject({ email: 'new.person@example.com', role: 'member', status: 'invited', expiresAt: expect.any(String) });
    expect(body.inviteToken).toMatch(/^lk_inv_/);
    const stored = await t.deps.db.selectFrom('invitations').selectAll().where('id', '=', body.invitation.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(stored)).not.toContain(body.inviteToken);
  });

  it('a new invitation for the same email replaces the pending one', async () => {
    const first = (await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'twice@example.com', role: 'member' } })).json();
    const second = (await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'twice@example.com', role: 'viewer' } })).json();
    const stale = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: first.inviteToken, password: 'long enough pw', name: 'Twice' } });
    expectProblem(stale, 400, 'invalid_invite');
    const fresh = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: second.inviteToken, password: 'long enough pw', name: 'Twice' } });
    expect(fresh.statusCode).toBe(201);
    expect(fresh.json().org.id).toBe(org.orgId);
    const member = await request(t, { method: 'GET', url: `/v1/members/${fresh.json().user.id}`, token: org.token });
    expect(member.json().role).toBe('viewer');
  });

  it('an existing user joins at once', async () => {
    const other = await createTestOrg(t);
    const res = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: other.ownerEmail, role: 'viewer' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ member: { userId: other.ownerId, role: 'viewer', status: 'active' }, invitation: null, inviteToken: null });
    const session = await login(t, other.ownerEmail, OWNER_PASSWORD);
    const inOrg = await request(t, { method: 'GET', url: '/v1/me', session: { ...session, orgId: org.orgId } });
    expect(inOrg.json()).toMatchObject({ org: { id: org.orgId }, role: 'viewer' });
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: other.ownerEmail, role: 'viewer' } }), 409, 'already_member');
  });

  it('refuses an unknown role and a malformed email', async () => {
    const bad = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'x@example.com', role: 'emperor' } });
    expect(expectProblem(bad, 400, 'validation_failed').errors).toEqual([{ field: 'role', message: expect.stringContaining('owner') }]);
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'not an email', role: 'member' } }), 400, 'validation_failed');
  });

  it('an admin cannot grant owner (403 forbidden); a member cannot add anyone', async () => {
    const admin = await addMember(t, org, 'admin');
    const res = await request(t, { method: 'POST', url: '/v1/members', token: admin.token, payload: { email: 'wannabe@example.com', role: 'owner' } });
    expectProblem(res, 403, 'forbidden');
    expect(await t.deps.db.selectFrom('invitations').select('id').where('email', '=', 'wannabe@example.com').execute()).toHaveLength(0);
    expect((await request(t, { method: 'POST', url: '/v1/members', token: admin.token, payload: { email: 'helper@example.com', role: 'admin' } })).statusCode).toBe(201);
    const member = await addMember(t, org, 'member');
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', session: member.session, payload: { email: 'friend@example.com', role: 'viewer' } }), 403, 'forbidden');
  });
});

describe('PATCH /v1/members/{userId}: live re-evaluation', () => {
  it("downgrading a member's role takes their token's scopes away on the very next request", async () => {
    const admin = await addMember(t, org, 'admin');
    expect((await request(t, { method: 'GET', url: '/v1/tokens', token: admin.token })).statusCode).toBe(200);
    expect((await me(admin.token)).json().scopes).toContain('members:manage');

    const res = await patch(org.token, admin.userId, { role: 'viewer' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userId: admin.userId, role: 'viewer' });

    const after = (await me(admin.token)).json();
    expect(after.role).toBe('viewer');
    expect(after.scopes).not.toContain('members:manage');
    expectProblem(await request(t, { method: 'GET', url: '/v1/tokens', token: admin.token }), 403, 'forbidden');
    // Their own tokens stay theirs to manage: a viewer keeps the self-service scopes.
    expect((await request(t, { method: 'GET', url: '/v1/api-tokens', token: admin.token })).statusCode).toBe(200);
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', token: admin.token, payload: { email: 'late@example.com', role: 'viewer' } }), 403, 'forbidden');
    // …and the session too.
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', session: admin.session, payload: { email: 'late@example.com', role: 'viewer' } }), 403, 'forbidden');
  });

  it('an upgrade also counts at once, but never beyond a narrowed token’s own scopes', async () => {
    const viewer = await addMember(t, org, 'viewer');
    const narrowed = (await request(t, { method: 'POST', url: '/v1/api-tokens', session: viewer.session, payload: { name: 'narrowed', scopes: ['org:read'] } })).json();
    await patch(org.token, viewer.userId, { role: 'admin' });
    expect((await me(viewer.token)).json().scopes).toContain('members:manage');
    expect((await me(narrowed.token)).json().scopes).toEqual(['org:read']);
  });

  it('suspending makes their tokens fail with 401 account_suspended (verify: SUSPENDED); reactivating restores them', async () => {
    const member = await addMember(t, org, 'member');
    expect((await me(member.token)).statusCode).toBe(200);
    const suspended = await patch(org.token, member.userId, { status: 'suspended' });
    expect(suspended.json().status).toBe('suspended');

    expectProblem(await me(member.token), 401, 'account_suspended');
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session: member.session }), 401, 'account_suspended');
    const verdict = (await verify(member.token)).json();
    expect(verdict).toMatchObject({ valid: false, code: 'SUSPENDED', allowed: false });
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: member.email, password: OWNER_PASSWORD, orgId: org.orgId } }), 404, 'not_found');

    expect((await patch(org.token, member.userId, { status: 'active' })).json().status).toBe('active');
    expect((await me(member.token)).statusCode).toBe(200);
    expect((await verify(member.token)).json().code).toBe('VALID');
  });

  it('refuses an empty patch, unknown fields and unknown statuses', async () => {
    const member = await addMember(t, org, 'member');
    expectProblem(await patch(org.token, member.userId, {}), 400, 'validation_failed');
    expectProblem(await patch(org.token, member.userId, { role: 'admin', extra: 1 }), 400, 'validation_failed');
    expectProblem(await patch(org.token, member.userId, { status: 'banned' }), 400, 'validation_failed');
    expectProblem(await patch(org.token, 'usr_nobody', { role: 'admin' }), 404, 'not_found');
    expect((await request(t, { method: 'GET', url: `/v1/members/${member.userId}`, token: org.token })).json().role).toBe('member');
  });
});

describe('owners', () => {
  it('the last owner cannot be demoted, suspended or removed (409 last_owner)', async () => {
    const fresh = await createTestOrg(t);
    expectProblem(await patch(fresh.token, fresh.ownerId, { role: 'admin' }), 409, 'last_owner');
    expectProblem(await patch(fresh.token, fresh.ownerId, { status: 'suspended' }), 409, 'last_owner');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/members/${fresh.ownerId}`, token: fresh.token }), 409, 'last_owner');
    expect((await me(fresh.token)).json().role).toBe('owner');

    // With a second owner, the first may step down.
    const second = await addMember(t, fresh, 'member');
    expect((await patch(fresh.token, second.userId, { role: 'owner' })).statusCode).toBe(200);
    expect((await patch(fresh.token, fresh.ownerId, { role: 'admin' })).json().role).toBe('admin');
    expectProblem(await patch(second.token, second.userId, { status: 'suspended' }), 409, 'last_owner');
  });

  it('an admin cannot promote to owner, nor change or remove an owner', async () => {
    const admin = await addMember(t, org, 'admin');
    const member = await addMember(t, org, 'member');
    expectProblem(await patch(admin.token, member.userId, { role: 'owner' }), 403, 'forbidden');
    expectProblem(await patch(admin.token, admin.userId, { role: 'owner' }), 403, 'forbidden');
    expectProblem(await patch(admin.token, org.ownerId, { role: 'member' }), 403, 'forbidden');
    expectProblem(await patch(admin.token, org.ownerId, { status: 'suspended' }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/members/${org.ownerId}`, token: admin.token }), 403, 'forbidden');
    expect((await patch(admin.token, member.userId, { role: 'viewer' })).json().role).toBe('viewer');
    expect((await me(org.token)).json().role).toBe('owner');
  });
});

describe('DELETE /v1/members/{userId}', () => {
  it('removes the member and revokes their personal tokens at once', async () => {
    const member = await addMember(t, org, 'member');
    const second = (await request(t, { method: 'POST', url: '/v1/api-tokens', session: member.session, payload: { name: 'second' } })).json();
    const res = await request(t, { method: 'DELETE', url: `/v1/members/${member.userId}`, token: org.token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ removed: true, revokedTokens: 2 });
    expectProblem(await me(member.token), 401, 'token_revoked');
    expectProblem(await me(second.token), 401, 'token_revoked');
    expect((await verify(member.token)).json().code).toBe('REVOKED');
    expectProblem(await request(t, { method: 'GET', url: `/v1/members/${member.userId}`, token: org.token }), 404, 'not_found');
    const rows = await t.deps.db.selectFrom('tokens').select(['revoked_at']).where('owner_user_id', '=', member.userId).execute();
    expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
    // Their session has no org left to act in.
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session: member.session }), 404, 'not_found');
  });

  it('rejoining does not bring revoked tokens back', async () => {
    const member = await addMember(t, org, 'member');
    await request(t, { method: 'DELETE', url: `/v1/members/${member.userId}`, token: org.token });
    await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: member.email, role: 'member' } });
    expectProblem(await me(member.token), 401, 'token_revoked');
  });

  it('is 404 for someone who is not a member, and needs members:manage', async () => {
    expectProblem(await request(t, { method: 'DELETE', url: '/v1/members/usr_nobody', token: org.token }), 404, 'not_found');
    const viewer = await addMember(t, org, 'viewer');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/members/${viewer.userId}`, session: viewer.session }), 403, 'forbidden');
  });
});
