// GET /v1/verify/events: the server-sent-events channel verifiers hold so their
// caches hear every change. Auth and org scoping, the event after each kind of
// change, heartbeats, the stream's own credential, bounded buffering, shutdown.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestOrg, request, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from '../sdk/server.js';
import { openEvents, type SseEvent, type SseStream } from '../sdk/sse.js';

let t: ListeningApp;
let org: TestOrg;
let other: TestOrg;

beforeAll(async () => {
  t = await listeningApp({ overrides: { plans: [{ name: 'big', seatLimit: 100, features: { auditLog: true } }] } });
  org = await createTestOrg(t);
  other = await createTestOrg(t);
});
afterAll(() => t.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const call = (method: string, url: string, payload?: object, token = org.token) =>
  request(t, { method: method as 'GET', url, token, ...(payload ? { payload } : {}) }).then((res) => {
    if (res.statusCode >= 400) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json() as { id: string; token: string };
  });

const isInvalidate = (e: SseEvent) => e.event === 'invalidate';

/** Runs `action`, then returns the first invalidate event after those already seen. */
async function eventAfter(stream: SseStream, action: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const seen = stream.events.length;
  await action();
  return (await stream.next(isInvalidate, seen)).data;
}

describe('GET /v1/verify/events: who may listen', () => {
  it('needs a credential (401 with WWW-Authenticate)', async () => {
    const stream = await openEvents(t.baseUrl, {});
    expect(stream.status).toBe(401);
    expect(stream.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(stream.body).toMatchObject({ code: 'unauthorized' });
  });

  it('needs tokens:verify (403 forbidden)', async () => {
    const narrow = await call('POST', '/v1/api-tokens', { name: 'no verify', scopes: ['tokens:read'] });
    const stream = await openEvents(t.baseUrl, bearer(narrow.token));
    expect(stream.status).toBe(403);
    expect(stream.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(stream.body).toMatchObject({ code: 'forbidden' });
  });

  it('opens as text/event-stream with a ready event naming the org', async () => {
    const stream = await openEvents(t.baseUrl, bearer(org.token));
    try {
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(stream.headers.get('cache-control')).toBe('no-store');
      expect(stream.headers.get('x-request-id')).toMatch(/^req_/);
      expect((await stream.next((e) => e.event === 'ready')).data).toEqual({ orgId: org.orgId });
    } finally {
      stream.close();
    }
  });
});

describe('GET /v1/verify/events: what it says', () => {
  let stream: SseStream;
  beforeAll(async () => {
    stream = await openEvents(t.baseUrl, bearer(org.token));
    await stream.next((e) => e.event === 'ready');
  });
  afterAll(() => stream.close());

  it('a roll and a revocation name the token; minting says nothing', async () => {
    let minted = { id: '', token: '' };
    const rolled = await eventAfter(stream, async () => {
      minted = await call('POST', '/v1/api-tokens', { name: 'evented' });
      await call('POST', `/v1/api-tokens/${minted.id}/roll`, { gracePeriodSeconds: 30 });
    });
    // The first event after the mint is the roll's: the mint sent none.
    expect(rolled).toEqual({ orgId: org.orgId, tokenIds: [minted.id] });
    expect(await eventAfter(stream, () => call('DELETE', `/v1/api-tokens/${minted.id}`))).toEqual({ orgId: org.orgId, tokenIds: [minted.id] });
    const key = await call('POST', '/v1/tokens', { name: 'admin-rolled', role: 'viewer' });
    expect(await eventAfter(stream, () => call('POST', `/v1/tokens/${key.id}/roll`, {}))).toEqual({ orgId: org.orgId, tokenIds: [key.id] });
    expect(await eventAfter(stream, () => call('DELETE', `/v1/tokens/${key.id}`))).toEqual({ orgId: org.orgId, tokenIds: [key.id] });
  });

  it('member changes (role, suspension, removal) drop the whole org', async () => {
    const member = await addMember(t, org, 'member');
    const all = { orgId: org.orgId, all: true };
    expect(await eventAfter(stream, () => call('PATCH', `/v1/members/${member.userId}`, { role: 'viewer' }))).toEqual(all);
    expect(await eventAfter(stream, () => call('PATCH', `/v1/members/${member.userId}`, { status: 'suspended' }))).toEqual(all);
    expect(await eventAfter(stream, () => call('DELETE', `/v1/members/${member.userId}`))).toEqual(all);
  });

  it('team changes: grants drop the org, attaching and detaching name the token', async () => {
    const member = await addMember(t, org, 'member');
    const team = await call('POST', '/v1/teams', { name: 'evented team' });
    const all = { orgId: org.orgId, all: true };
    expect(await eventAfter(stream, () => call('POST', `/v1/teams/${team.id}/members`, { userId: member.userId, scopes: ['issues:read'] }))).toEqual(all);
    expect(await eventAfter(stream, () => call('PATCH', `/v1/teams/${team.id}/members/${member.userId}`, { scopes: ['issues:write'] }))).toEqual(all);
    expect(await eventAfter(stream, () => call('DELETE', `/v1/teams/${team.id}/members/${member.userId}`))).toEqual(all);
    const key = await call('POST', '/v1/tokens', { name: 'attachable', scopes: ['issues:read'] });
    expect(await eventAfter(stream, () => call('PUT', `/v1/teams/${team.id}/tokens/${key.id}`, { scopes: ['issues:read'] }))).toEqual({ orgId: org.orgId, tokenIds: [key.id] });
    expect(await eventAfter(stream, () => call('DELETE', `/v1/teams/${team.id}/tokens/${key.id}`))).toEqual({ orgId: org.orgId, tokenIds: [key.id] });
    expect(await eventAfter(stream, () => call('DELETE', `/v1/teams/${team.id}`))).toEqual(all);
  });

  it('service-account changes, org policy and a person revoking all their tokens drop the whole org', async () => {
    const sa = await call('POST', '/v1/service-accounts', { name: 'evented sa', scopes: ['issues:read', 'issues:write'] });
    const all = { orgId: org.orgId, all: true };
    const issued = await call('POST', `/v1/service-accounts/${sa.id}/tokens`, { name: 'pipeline' });
    expect(await eventAfter(stream, () => call('DELETE', `/v1/service-accounts/${sa.id}/tokens/${issued.id}`))).toEqual({ orgId: org.orgId, tokenIds: [issued.id] });
    expect(await eventAfter(stream, () => call('PATCH', `/v1/service-accounts/${sa.id}`, { scopes: ['issues:read'] }))).toEqual(all);
    expect(await eventAfter(stream, () => call('DELETE', `/v1/service-accounts/${sa.id}`))).toEqual(all);
    expect(await eventAfter(stream, () => call('PATCH', '/v1/org', { policy: { maxPersonalTokensPerUser: 40 } }))).toEqual(all);
    const admin = await addMember(t, org, 'admin');
    expect(await eventAfter(stream, () => call('POST', '/v1/api-tokens/revoke-all', {}, admin.token))).toEqual(all);
  });

  it("another org's changes never reach this org's stream", async () => {
    const otherStream = await openEvents(t.baseUrl, bearer(other.token));
    try {
      await otherStream.next((e) => e.event === 'ready');
      const seen = stream.events.length;
      const otherKey = await call('POST', '/v1/tokens', { name: 'other org key', role: 'viewer' }, other.token);
      const otherEvent = await eventAfter(otherStream, () => call('DELETE', `/v1/tokens/${otherKey.id}`, undefined, other.token));
      expect(otherEvent).toEqual({ orgId: other.orgId, tokenIds: [otherKey.id] });
      // This org's next event is its own change, with nothing from the other org before it.
      await call('PATCH', '/v1/org', { name: 'Still this org' });
      const next = await stream.next(isInvalidate, seen);
      expect(next.data.orgId).toBe(org.orgId);
      expect(stream.events.slice(seen).every((e) => e.data.orgId === undefined || e.data.orgId === org.orgId)).toBe(true);
    } finally {
      otherStream.close();
    }
  });
});

describe("GET /v1/verify/events: the stream's own credential", () => {
  it('ends when its token is revoked', async () => {
    const key = await call('POST', '/v1/tokens', { name: 'verifier key', scopes: ['tokens:verify'] });
    const stream = await openEvents(t.baseUrl, bearer(key.token));
    await stream.next((e) => e.event === 'ready');
    await call('DELETE', `/v1/tokens/${key.id}`);
    await stream.ended;
    expect(stream.events.at(-1)).toEqual({ event: 'invalidate', data: { orgId: org.orgId, tokenIds: [key.id] } });
  });

  it('ends when its owner loses tokens:verify, and after an org-wide revocation', async () => {
    const admin = await addMember(t, org, 'admin');
    const demoted = await openEvents(t.baseUrl, bearer(admin.token));
    await demoted.next((e) => e.event === 'ready');
    const owner = await openEvents(t.baseUrl, bearer(org.token));
    await owner.next((e) => e.event === 'ready');
    await call('PATCH', `/v1/members/${admin.userId}`, { role: 'viewer' });
    await demoted.ended;
    await call('POST', '/v1/tokens/revoke-all', {});
    await owner.ended;
  });
});

describe('GET /v1/verify/events: delivery', () => {
  it('sends heartbeats while idle', async () => {
    const quick = await listeningApp({ overrides: { verifyEvents: { heartbeatMs: 20 } } });
    try {
      const o = await createTestOrg(quick);
      const stream = await openEvents(quick.baseUrl, bearer(o.token));
      await stream.next((e) => e.event === 'heartbeat');
      await stream.next((e) => e.event === 'heartbeat', stream.events.findIndex((e) => e.event === 'heartbeat') + 1);
      stream.close();
    } finally {
      await quick.close();
    }
  });

  it('closes a stream that stops reading instead of buffering for it without bound', async () => {
    const small = await listeningApp({ overrides: { verifyEvents: { maxBufferedBytes: 1024 } } });
    try {
      const o = await createTestOrg(small);
      const socket = connect(Number(new URL(small.baseUrl).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(`GET /v1/verify/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${o.token}\r\nAccept: text/event-stream\r\n\r\n`);
      socket.pause();
      while (small.verifyEvents.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      const ids = Array.from({ length: 2000 }, (_, i) => `tok_${String(i).padStart(26, '0')}`);
      let published = 0;
      while (small.verifyEvents.size > 0 && published < 2000) {
        small.verifyEvents.publish(o.orgId, ids);
        published++;
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(small.verifyEvents.size).toBe(0);
      socket.destroy();
    } finally {
      await small.close();
    }
  });

  it('ends every stream when the server shuts down, and close() does not wait for them', async () => {
    const node = await listeningApp();
    const o = await createTestOrg(node);
    const stream = await openEvents(node.baseUrl, bearer(o.token));
    await stream.next((e) => e.event === 'ready');
    await node.close();
    await stream.ended;
    expect(node.verifyEvents.size).toBe(0);
  });
});
