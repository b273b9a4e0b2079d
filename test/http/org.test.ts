import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let ownerSession: Session;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
  ownerSession = await login(t, org.ownerEmail, OWNER_PASSWORD);
});
afterAll(() => t.close());

const getOrg = (token: string) => request(t, { method: 'GET', url: '/v1/org', token });
const seats = (token: string) => request(t, { method: 'GET', url: '/v1/seats', token });

describe('POST /v1/orgs', () => {
  it('a signed-in person creates an org and becomes its owner', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/orgs', session: ownerSession, payload: { name: 'Spin-off' } });
    expect(res.statusCode).toBe(201);
    const created = res.json();
    expect(created).toMatchObject({ id: expect.stringMatching(/^org_/), name: 'Spin-off', plan: expect.any(String), seats: { used: 1 } });
    const me = await request(t, { method: 'GET', url: '/v1/me', session: { ...ownerSession, orgId: created.id } });
    expect(me.json()).toMatchObject({ org: { id: created.id }, role: 'owner' });
  });

  it('is session only: a token, however powerful, gets 403 session_required and creates nothing', async () => {
    const before = await t.deps.db.selectFrom('orgs').select('id').execute();
    expectProblem(await request(t, { method: 'POST', url: '/v1/orgs', token: org.token, payload: { name: 'By token' } }), 403, 'session_required');
    expectProblem(await request(t, { method: 'POST', url: '/v1/orgs', headers: { 'x-api-key': org.token }, payload: { name: 'By token' } }), 403, 'session_required');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/orgs', payload: { name: 'Anonymous' } }), 401, 'unauthorized');
    expect(await t.deps.db.selectFrom('orgs').select('id').execute()).toHaveLength(before.length);
  });

  it('validates the name', async () => {
    expectProblem(await request(t, { method: 'POST', url: '/v1/orgs', session: ownerSession, payload: {} }), 400, 'validation_failed');
    expectProblem(await request(t, { method: 'POST', url: '/v1/orgs', session: ownerSession, payload: { name: ' ' } }), 400, 'validation_failed');
    expectProblem(await request(t, { method: 'POST', url: '/v1/orgs', session: ownerSession, payload: { name: 'x', plan: 'apex' } }), 400, 'validation_failed');
  });
});

describe('GET /v1/org', () => {
  it('shows plan, seats, policy and features', async () => {
    const res = await getOrg(org.token);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: org.orgId,
      plan: 'pro',
      policy: { maxPersonalTokensPerUser: null, requireExpiry: false, maxLifetimeDays: null },
      seats: { limit: 50, used: expect.any(Number) },
      features: { auditLog: true },
      createdAt: expect.any(String),
    });
  });

  it('needs org:read; another org is never visible', async () => {
    const narrow = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'no org', scopes: ['tokens:read'] } })).json();
    expectProblem(await getOrg(narrow.token), 403, 'forbidden');
    const other = await createTestOrg(t);
    expect((await getOrg(other.token)).json().id).toBe(other.orgId);
  });
});

describe('PATCH /v1/org', () => {
  it('renames and changes the token policy', async () => {
    const fresh = await createTestOrg(t);
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: fresh.token, payload: { name: 'Renamed', policy: { requireExpiry: true, maxLifetimeDays: 90 } } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ name: 'Renamed', policy: { maxPersonalTokensPerUser: null, requireExpiry: true, maxLifetimeDays: 90 } });
    // A partial policy patch keeps the rest; null lifts a limit.
    const next = await request(t, { method: 'PATCH', url: '/v1/org', token: fresh.token, payload: { policy: { maxLifetimeDays: null, maxPersonalTokensPerUser: 3 } } });
    expect(next.json().policy).toEqual({ maxPersonalTokensPerUser: 3, requireExpiry: true, maxLifetimeDays: null, requireApproval: false, revokeUnusedAfterDays: null });
    expect((await getOrg(fresh.token)).json().policy).toEqual(next.json().policy);
  });

  it('refuses bad policy values', async () => {
    for (const policy of [{ maxLifetimeDays: 0 }, { maxLifetimeDays: -5 }, { maxPersonalTokensPerUser: 1.5 }, { requireExpiry: 'yes' }, { unknown: true }]) {
      const res = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy } });
      expectProblem(res, 400, 'validation_failed');
    }
    expect((await getOrg(org.token)).json().policy).toEqual({ maxPersonalTokensPerUser: null, requireExpiry: false, maxLifetimeDays: null, requireApproval: false, revokeUnusedAfterDays: null });
  });

  it('needs org:manage: an admin cannot change the org', async () => {
    const admin = await addMember(t, org, 'admin');
    expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', token: admin.token, payload: { name: 'Mine now' } }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', session: admin.session, payload: { policy: { requireExpiry: true } } }), 403, 'forbidden');
    expect((await getOrg(org.token)).json().name).not.toBe('Mine now');
  });

  it("changing the plan is session only: the owner's own token gets 403 session_required", async () => {
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { plan: 'apex' } });
    expectProblem(res, 403, 'session_required');
    // Nothing else in that request was applied either.
    expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { name: 'Sneaky', plan: 'apex' } }), 403, 'session_required');
    const after = (await getOrg(org.token)).json();
    expect(after.plan).toBe('pro');
    expect(after.name).not.toBe('Sneaky');

    const bySession = await request(t, { method: 'PATCH', url: '/v1/org', session: ownerSession, payload: { plan: 'apex' } });
    expect(bySession.statusCode).toBe(200);
    expect(bySession.json()).toMatchObject({ plan: 'apex', seats: { limit: 1000 } });
    expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', session: ownerSession, payload: { plan: 'platinum' } }), 400, 'validation_failed');
    expect((await request(t, { method: 'PATCH', url: '/v1/org', session: ownerSession, payload: { plan: 'pro' } })).json().plan).toBe('pro');
  });

  it('an admin at the dashboard cannot change the plan either', async () => {
    const admin = await addMember(t, org, 'admin');
    expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', session: admin.session, payload: { plan: 'free' } }), 403, 'forbidden');
  });
});

describe('GET /v1/seats', () => {
  it('counts active members; a suspended member frees a seat', async () => {
    const fresh = await createTestOrg(t);
    const initial = (await seats(fresh.token)).json();
    expect(initial).toMatchObject({ limit: 50, used: 1, available: 49, breakdown: { members: 1 } });
    const member = await addMember(t, fresh, 'member');
    expect((await seats(fresh.token)).json()).toMatchObject({ used: 2, available: 48, breakdown: { members: 2 } });
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: fresh.token, payload: { status: 'suspended' } });
    expect((await seats(fresh.token)).json()).toMatchObject({ used: 1, breakdown: { members: 1 } });
  });

  it('refuses a member beyond the plan’s seats with 409 seat_limit_reached, by any path', async () => {
    const fresh = await createTestOrg(t);
    const session = await login(t, fresh.ownerEmail, OWNER_PASSWORD);
    expect((await request(t, { method: 'PATCH', url: '/v1/org', session: { ...session, orgId: fresh.orgId }, payload: { plan: 'free' } })).statusCode).toBe(200);
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await addMember(t, fresh, 'viewer'));
    // Four seats used, one left: an invitation is still possible, and one person may join.
    const pending = (await request(t, { method: 'POST', url: '/v1/members', token: fresh.token, payload: { email: 'pending@example.com', role: 'viewer' } })).json();
    const last = await addMember(t, fresh, 'viewer');
    expect((await seats(fresh.token)).json()).toMatchObject({ limit: 5, used: 5, available: 0 });

    const existing = await createTestOrg(t);
    expectProblem(await request(t, { method: 'POST', url: '/v1/members', token: fresh.token, payload: { email: existing.ownerEmail, role: 'viewer' } }), 409, 'seat_limit_reached');
    const accepted = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: pending.inviteToken, password: 'a long password', name: 'Late' } });
    expectProblem(accepted, 409, 'seat_limit_reached');
    expect((await seats(fresh.token)).json().used).toBe(5);

    // Suspending frees a seat; reactivating needs one.
    await request(t, { method: 'PATCH', url: `/v1/members/${last.userId}`, token: fresh.token, payload: { status: 'suspended' } });
    expect((await request(t, { method: 'POST', url: '/v1/members', token: fresh.token, payload: { email: existing.ownerEmail, role: 'viewer' } })).statusCode).toBe(201);
    expectProblem(await request(t, { method: 'PATCH', url: `/v1/members/${last.userId}`, token: fresh.token, payload: { status: 'active' } }), 409, 'seat_limit_reached');
    expect(members).toHaveLength(3);
  });
});
