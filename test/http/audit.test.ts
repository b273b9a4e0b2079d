import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { verifyChains } from '../../src/audit/service.js';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

interface AuditEvent {
  id: string;
  seq: number;
  action: string;
  actor: { type: string; id: string | null; name: string | null; prefix: string | null; userId: string | null };
  target: { type: string | null; id: string | null };
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  hash: string;
  prevHash: string | null;
}

async function events(query: string, token = org.token): Promise<AuditEvent[]> {
  const res = await request(t, { method: 'GET', url: `/v1/audit-events?limit=200&${query}`, token });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

/** The one event a request caused, found by its request id. */
async function eventOf(res: LightMyRequestResponse, action: string): Promise<AuditEvent> {
  const found = (await events(`action=${action}`)).filter((e) => e.requestId === res.headers['x-request-id']);
  expect(found, `${action} for ${res.headers['x-request-id']}`).toHaveLength(1);
  return found[0]!;
}

const ownerToken = () => ({ type: 'token', id: org.tokenId, name: 'initial token', prefix: org.token.slice(0, 11), userId: org.ownerId });

describe('audit events for token changes', () => {
  it('mint, roll, revoke and revoke-all by a token name the token as the actor', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'audited', scopes: ['org:read'] }, headers: { 'user-agent': 'ci-bot/2' } });
    const id = minted.json().id as string;
    const mintEvent = await eventOf(minted, 'token.minted');
    expect(mintEvent).toMatchObject({ actor: ownerToken(), target: { type: 'token', id }, userAgent: 'ci-bot/2', metadata: { name: 'audited', prefix: minted.json().prefix, scopes: ['org:read'] } });
    expect(mintEvent.ip).toEqual(expect.any(String));

    const rolled = await request(t, { method: 'POST', url: `/v1/api-tokens/${id}/roll`, token: org.token, payload: { gracePeriodSeconds: 10 } });
    expect(await eventOf(rolled, 'token.rolled')).toMatchObject({
      actor: ownerToken(),
      target: { id },
      metadata: { previousPrefix: minted.json().prefix, prefix: rolled.json().prefix, gracePeriodSeconds: 10 },
    });

    const revoked = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${id}`, token: org.token });
    expect(await eventOf(revoked, 'token.revoked')).toMatchObject({ actor: ownerToken(), target: { id } });

    const fresh = await createTestOrg(t);
    const extra = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'extra' } })).json();
    const all = await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: fresh.token, payload: {} });
    // Every token of theirs is gone now; read the log as a person.
    const session = await login(t, fresh.ownerEmail, OWNER_PASSWORD);
    const listed = await request(t, { method: 'GET', url: '/v1/audit-events?action=token.revoked_all', session: { ...session, orgId: fresh.orgId } });
    const [event] = (listed.json().data as AuditEvent[]).filter((e) => e.requestId === all.headers['x-request-id']);
    expect(event).toMatchObject({ actor: { type: 'token', id: fresh.tokenId, name: 'owner token' }, target: { type: 'user', id: fresh.ownerId }, metadata: { count: 2 } });
    expect(event!.metadata.tokenIds).toEqual(expect.arrayContaining([fresh.tokenId, extra.id]));
  });

  it('a person at the dashboard is a user actor', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session, payload: { name: 'by hand' } });
    expect(await eventOf(minted, 'token.minted')).toMatchObject({ actor: { type: 'user', id: org.ownerId, prefix: null, userId: org.ownerId } });
  });
});

describe('audit events for members and sessions', () => {
  it('member invited, joined, added, role changed, suspended, reactivated, removed', async () => {
    const invited = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'audit-invitee@example.com', role: 'member' } });
    expect(await eventOf(invited, 'member.invited')).toMatchObject({ actor: ownerToken(), metadata: { email: 'audit-invitee@example.com', role: 'member' } });
    const accepted = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: invited.json().inviteToken, password: 'a long password', name: 'Invitee' } });
    const userId = accepted.json().user.id as string;
    expect(await eventOf(accepted, 'member.joined')).toMatchObject({ actor: { type: 'user', id: userId }, target: { id: userId } });

    const other = await createTestOrg(t);
    const added = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: other.ownerEmail, role: 'viewer' } });
    expect(await eventOf(added, 'member.added')).toMatchObject({ actor: ownerToken(), target: { type: 'user', id: other.ownerId }, metadata: { role: 'viewer' } });

    const changed = await request(t, { method: 'PATCH', url: `/v1/members/${userId}`, token: org.token, payload: { role: 'viewer' } });
    expect(await eventOf(changed, 'member.role_changed')).toMatchObject({ target: { id: userId }, metadata: { from: 'member', to: 'viewer' } });
    const suspended = await request(t, { method: 'PATCH', url: `/v1/members/${userId}`, token: org.token, payload: { status: 'suspended' } });
    expect(await eventOf(suspended, 'member.suspended')).toMatchObject({ target: { id: userId } });
    const reactivated = await request(t, { method: 'PATCH', url: `/v1/members/${userId}`, token: org.token, payload: { status: 'active' } });
    expect(await eventOf(reactivated, 'member.reactivated')).toMatchObject({ target: { id: userId } });
    const removed = await request(t, { method: 'DELETE', url: `/v1/members/${userId}`, token: org.token });
    expect(await eventOf(removed, 'member.removed')).toMatchObject({ actor: ownerToken(), target: { id: userId } });
  });

  it('logins and failed logins', async () => {
    const ok = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail, password: OWNER_PASSWORD }, headers: { 'user-agent': 'browser/1' } });
    expect(await eventOf(ok, 'auth.login')).toMatchObject({ actor: { type: 'user', id: org.ownerId }, target: { id: org.ownerId }, userAgent: 'browser/1' });
    const failed = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: org.ownerEmail, password: 'wrong password' } });
    expect(failed.statusCode).toBe(401);
    const event = await eventOf(failed, 'auth.login_failed');
    expect(event).toMatchObject({ target: { id: org.ownerId } });
    expect(JSON.stringify(event)).not.toContain('wrong password');
  });

  it('org policy and plan changes', async () => {
    const policy = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy: { maxPersonalTokensPerUser: 100 } } });
    expect(await eventOf(policy, 'org.policy_changed')).toMatchObject({ actor: ownerToken(), metadata: { to: { maxPersonalTokensPerUser: 100 } } });
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const plan = await request(t, { method: 'PATCH', url: '/v1/org', session, payload: { plan: 'apex' } });
    expect(await eventOf(plan, 'org.plan_changed')).toMatchObject({ actor: { type: 'user', id: org.ownerId }, metadata: { from: 'pro', to: 'apex' } });
  });

  it('a refused request records nothing', async () => {
    const before = (await events('')).length;
    await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', scopes: ['nope:nope'] } });
    await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { plan: 'free' } });
    expect((await events('')).length).toBe(before);
  });
});

describe('GET /v1/audit-events', () => {
  it('pages newest first as {data, nextCursor}', async () => {
    for (let i = 0; i < 4; i++) await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: `paged ${i}` } });
    const first = await request(t, { method: 'GET', url: '/v1/audit-events?limit=3', token: org.token });
    const page = first.json();
    expect(page.data).toHaveLength(3);
    expect(page.data[0].seq).toBeGreaterThan(page.data[1].seq);
    const next = (await request(t, { method: 'GET', url: `/v1/audit-events?limit=3&cursor=${page.nextCursor}`, token: org.token })).json();
    expect(next.data[0].seq).toBeLessThan(page.data[2].seq);
    expect(next.data.map((e: AuditEvent) => e.id)).not.toContain(page.data[2].id);
  });

  it('filters by action (exact or prefix), actor, token, target and time', async () => {
    expect((await events('action=token.*')).every((e) => e.action.startsWith('token.'))).toBe(true);
    expect((await events('action=token.minted')).every((e) => e.action === 'token.minted')).toBe(true);
    expect((await events('actor=token')).every((e) => e.actor.type === 'token')).toBe(true);
    expect((await events(`actor=${org.ownerId}`)).every((e) => e.actor.id === org.ownerId)).toBe(true);
    const byToken = await events(`token=${org.tokenId}`);
    expect(byToken.length).toBeGreaterThan(0);
    expect(byToken.every((e) => e.actor.id === org.tokenId || e.target.id === org.tokenId)).toBe(true);
    expect((await events(`target=${org.ownerId}`)).every((e) => e.target.id === org.ownerId)).toBe(true);
    const future = new Date(t.clock.now().getTime() + 60_000).toISOString();
    expect(await events(`since=${encodeURIComponent(future)}`)).toEqual([]);
    expect((await events(`until=${encodeURIComponent(future)}`)).length).toBeGreaterThan(0);
  });

  it('exports every match as JSON lines', async () => {
    const res = await request(t, { method: 'GET', url: '/v1/audit-events?format=jsonl&action=token.minted', token: org.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((line) => JSON.parse(line) as AuditEvent);
    expect(lines.length).toBe((await events('action=token.minted')).length);
    expect(lines.every((e) => e.action === 'token.minted')).toBe(true);
  });

  it('keeps an intact hash chain per org', async () => {
    const result = await verifyChains(t.deps.db, t.deps.hasher);
    expect(result.breaks).toEqual([]);
    expect(result.events).toBeGreaterThan(10);
    const list = (await events('')).sort((a, b) => a.seq - b.seq);
    for (let i = 1; i < list.length; i++) expect(list[i]!.prevHash).toBe(list[i - 1]!.hash);
  });

  it('needs audit:read, and is a plan feature', async () => {
    const member = await addMember(t, org, 'member');
    expectProblem(await request(t, { method: 'GET', url: '/v1/audit-events', token: member.token }), 403, 'forbidden');
    const fresh = await createTestOrg(t);
    const session = await login(t, fresh.ownerEmail, OWNER_PASSWORD);
    await request(t, { method: 'PATCH', url: '/v1/org', session: { ...session, orgId: fresh.orgId }, payload: { plan: 'free' } });
    expectProblem(await request(t, { method: 'GET', url: '/v1/audit-events', token: fresh.token }), 403, 'plan_feature_unavailable');
    // Still recorded, readable after an upgrade.
    await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'while free' } });
    await request(t, { method: 'PATCH', url: '/v1/org', session: { ...session, orgId: fresh.orgId }, payload: { plan: 'pro' } });
    expect((await events('action=token.minted', fresh.token)).some((e) => e.metadata.name === 'while free')).toBe(true);
  });

  it("never shows another org's events", async () => {
    const other = await createTestOrg(t);
    const theirs = await events('', other.token);
    expect(theirs.every((e) => e.actor.id !== org.tokenId)).toBe(true);
    expect(await events(`token=${other.tokenId}`)).toEqual([]);
  });

  it('validates its query', async () => {
    for (const query of ['limit=0', 'limit=x', 'since=yesterday', 'format=xml', 'bogus=1', 'cursor=abc']) {
      const res = await request(t, { method: 'GET', url: `/v1/audit-events?${query}`, token: org.token });
      expect(res.statusCode, query).toBe(400);
    }
  });
});
