import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const sessionCookie = (res: { cookies: { name: string; value: string }[] }) => res.cookies.find((c) => c.name === 'latchkey_session');

/** A session-cookie request that sends exactly the headers given (no CSRF header unless asked). */
function withCookie(session: Session, options: { method: 'GET' | 'POST' | 'PATCH' | 'DELETE'; url: string; payload?: object; headers?: Record<string, string> }) {
  return t.app.inject({ method: options.method, url: options.url, payload: options.payload, headers: { cookie: session.cookie, ...options.headers } });
}

async function invite(email: string, role = 'member'): Promise<string> {
  const res = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email, role } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().inviteToken as string;
}

describe('POST /v1/auth/login', () => {
  it('starts a session: an httpOnly SameSite cookie, and a CSRF token in the body', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail, password: OWNER_PASSWORD } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const cookie = sessionCookie(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.value.length).toBeGreaterThanOrEqual(32);
    const body = res.json();
    expect(body).toMatchObject({ user: { id: org.ownerId, email: org.ownerEmail }, org: { id: org.orgId }, csrfToken: expect.any(String), expiresAt: expect.any(String) });
    // The session secret is only in the cookie.
    expect(res.body).not.toContain(cookie.value);
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: `latchkey_session=${cookie.value}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ principal: { id: org.ownerId }, credential: { type: 'session' }, role: 'owner' });
  });

  it('matches the email case-insensitively', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail.toUpperCase(), password: OWNER_PASSWORD } });
    expect(res.statusCode).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike with 401 invalid_credentials', async () => {
    const wrong = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail, password: 'not the password' } });
    const unknown = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@example.com', password: OWNER_PASSWORD } });
    const a = expectProblem(wrong, 401, 'invalid_credentials');
    const b = expectProblem(unknown, 401, 'invalid_credentials');
    expect(a.detail).toBe(b.detail);
    expect(sessionCookie(wrong)).toBeUndefined();
    expect(sessionCookie(unknown)).toBeUndefined();
  });

  it('refuses a malformed login body', async () => {
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'not-an-email', password: 'x' } }), 400, 'validation_failed');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail } }), 400, 'validation_failed');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail, password: OWNER_PASSWORD, remember: true } }), 400, 'validation_failed');
  });
});

describe('CSRF', () => {
  it('a session-cookie POST without X-CSRF-Token gets 403 csrf_failed and changes nothing; with it, it works', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const before = await t.deps.db.selectFrom('tokens').select('id').execute();
    const without = await withCookie(session, { method: 'POST', url: '/v1/api-tokens', payload: { name: 'csrf' } });
    expectProblem(without, 403, 'csrf_failed');
    const wrong = await withCookie(session, { method: 'POST', url: '/v1/api-tokens', payload: { name: 'csrf' }, headers: { 'x-csrf-token': 'forged' } });
    expectProblem(wrong, 403, 'csrf_failed');
    const other = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const someoneElses = await withCookie(session, { method: 'POST', url: '/v1/api-tokens', payload: { name: 'csrf' }, headers: { 'x-csrf-token': other.csrfToken } });
    expectProblem(someoneElses, 403, 'csrf_failed');
    expect(await t.deps.db.selectFrom('tokens').select('id').execute()).toHaveLength(before.length);

    const ok = await withCookie(session, { method: 'POST', url: '/v1/api-tokens', payload: { name: 'csrf' }, headers: { 'x-csrf-token': session.csrfToken } });
    expect(ok.statusCode).toBe(201);
  });

  it('guards every unsafe method, not GET', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    expect((await withCookie(session, { method: 'GET', url: '/v1/api-tokens' })).statusCode).toBe(200);
    expectProblem(await withCookie(session, { method: 'PATCH', url: '/v1/org', payload: { name: 'renamed' } }), 403, 'csrf_failed');
    expectProblem(await withCookie(session, { method: 'DELETE', url: `/v1/api-tokens/${org.tokenId}` }), 403, 'csrf_failed');
    expectProblem(await withCookie(session, { method: 'POST', url: '/v1/auth/logout' }), 403, 'csrf_failed');
    expect((await request(t, { method: 'GET', url: '/v1/me', token: org.token })).statusCode).toBe(200);
  });

  it('does not apply to tokens (no ambient credential)', async () => {
    expect((await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'no csrf needed' } })).statusCode).toBe(201);
  });
});

describe('POST /v1/auth/logout', () => {
  it('ends the session: the cookie stops working', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const res = await request(t, { method: 'POST', url: '/v1/auth/logout', session });
    expect(res.statusCode).toBe(204);
    const cleared = sessionCookie(res);
    expect(cleared?.value).toBe('');
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session }), 401, 'unauthorized');
  });

  it('needs a session: a token gets 403 session_required, nothing gets 401', async () => {
    expectProblem(await request(t, { method: 'POST', url: '/v1/auth/logout', token: org.token }), 403, 'session_required');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/logout' }), 401, 'unauthorized');
  });
});

describe('POST /v1/auth/accept-invite', () => {
  it('creates the user and membership with the invited role and starts a session', async () => {
    const email = 'invitee-1@example.com';
    const inviteToken = await invite(email, 'viewer');
    expect(inviteToken).toMatch(/^lk_inv_/);
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken, password: 'a long password', name: 'Invitee' } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ user: { email, name: 'Invitee' }, org: { id: org.orgId }, csrfToken: expect.any(String) });
    const cookie = sessionCookie(res)!;
    const me = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: `latchkey_session=${cookie.value}` } });
    expect(me.json()).toMatchObject({ role: 'viewer', principal: { email } });
    // The password set here logs in.
    await login(t, email, 'a long password');
  });

  it('works once only', async () => {
    const inviteToken = await invite('invitee-2@example.com');
    const payload = { inviteToken, password: 'a long password', name: 'Two' };
    expect((await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload })).statusCode).toBe(201);
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload }), 400, 'invalid_invite');
  });

  it('refuses garbage, a token that is not an invitation, and one with a bad checksum, creating nobody', async () => {
    const users = await t.deps.db.selectFrom('users').select('id').execute();
    const inviteToken = await invite('invitee-3@example.com');
    const flipped = inviteToken.slice(0, -1) + (inviteToken.endsWith('a') ? 'b' : 'a');
    for (const bad of ['garbage', org.token, flipped, inviteToken.slice(0, -3)]) {
      const res = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: bad, password: 'a long password', name: 'X' } });
      expectProblem(res, 400, 'invalid_invite');
      expect(res.body).not.toContain(bad);
    }
    expect(await t.deps.db.selectFrom('users').select('id').execute()).toHaveLength(users.length);
  });

  it('refuses a short password', async () => {
    const inviteToken = await invite('invitee-4@example.com');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken, password: 'short', name: 'Four' } });
    expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([{ field: 'password', message: expect.any(String) }]);
  });
});

describe('Latchkey-Org', () => {
  it('selects the org for a user in several orgs; an org the user is not in is 404', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const created = await request(t, { method: 'POST', url: '/v1/orgs', session, payload: { name: 'Second org' } });
    expect(created.statusCode).toBe(201);
    const secondId = created.json().id as string;

    const inFirst = await request(t, { method: 'GET', url: '/v1/me', session });
    expect(inFirst.json().org.id).toBe(org.orgId);
    const inSecond = await request(t, { method: 'GET', url: '/v1/me', session: { ...session, orgId: secondId } });
    expect(inSecond.json().org).toMatchObject({ id: secondId, name: 'Second org' });
    expect(inSecond.json().role).toBe('owner');

    // A token minted in the second org belongs to it.
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: { ...session, orgId: secondId }, payload: { name: 'second org token' } });
    expect((await request(t, { method: 'GET', url: '/v1/me', token: minted.json().token })).json().org.id).toBe(secondId);
    const firstList = await request(t, { method: 'GET', url: '/v1/api-tokens?limit=200', session });
    expect(firstList.json().data.map((x: { id: string }) => x.id)).not.toContain(minted.json().id);

    const stranger = await createTestOrg(t);
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session: { ...session, orgId: stranger.orgId } }), 404, 'not_found');
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session: { ...session, orgId: 'org_doesnotexist' } }), 404, 'not_found');
  });

  it('login can pick the org too', async () => {
    const member = await addMember(t, org, 'member');
    const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: member.email, password: OWNER_PASSWORD, orgId: org.orgId } });
    expect(res.json().org.id).toBe(org.orgId);
    const elsewhere = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: member.email, password: OWNER_PASSWORD, orgId: 'org_notmine' } });
    expect(elsewhere.statusCode).toBe(404);
  });
});

describe('session lifetime', () => {
  it('expires after the session TTL with 401 session_expired', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    t.clock.advance(t.deps.config.sessionTtlSeconds * 1000);
    expectProblem(await request(t, { method: 'GET', url: '/v1/me', session }), 401, 'session_expired');
  });

  it('refuses a made-up cookie with 401', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: `latchkey_session=${'x'.repeat(43)}` } }), 401, 'unauthorized');
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/me', headers: { cookie: 'latchkey_session=short' } }), 401, 'unauthorized');
  });
});
