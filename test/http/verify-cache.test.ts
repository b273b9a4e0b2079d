// The verification cache (src/tokens/cache.ts) through HTTP: a repeated
// verification does no database work, yet every change, expiry and grace period
// counts on the very next request, at the exact instant.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { generateToken } from '../../src/tokens/format.js';
import { addMember, createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

/** Counts every query the app runs through Kysely (by its result: hot-path queries are compiled once, not rebuilt). */
class QueryCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    return args.result;
  }
}

let t: TestApp;
let org: TestOrg;
const queries = new QueryCounter();

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
  // Routes read deps.db at call time, so every query from here on is counted.
  t.deps.db = t.deps.db.withPlugin(queries);
});
afterAll(() => t.close());

interface Verdict {
  valid: boolean;
  code: string;
  allowed: boolean;
  org: { name: string } | null;
  scopes: string[];
}

async function verify(token: string, body: Record<string, unknown> = {}): Promise<Verdict> {
  const res = await request(t, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token, ...body } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Verdict;
}

/** Verifies, and returns how many queries that took. */
async function verifyCounting(token: string, body: Record<string, unknown> = {}): Promise<{ verdict: Verdict; queries: number }> {
  const before = queries.count;
  const verdict = await verify(token, body);
  return { verdict, queries: queries.count - before };
}

async function mint(payload: Record<string, unknown> = {}, token = org.token): Promise<{ id: string; token: string }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload: { name: `cache ${Math.random()}`, ...payload } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** Verifies twice and checks the second answer came from memory. */
async function primed(token: string, body: Record<string, unknown> = {}): Promise<Verdict> {
  await verify(token, body);
  const second = await verifyCounting(token, body);
  expect(second.queries).toBe(0);
  return second.verdict;
}

describe('verification cache: hits', () => {
  it('answers a repeated verification (and the caller’s own authentication) with no database query', async () => {
    const { token } = await mint({ scopes: ['issues:read'] });
    const first = await verifyCounting(token, { scope: 'issues:read' });
    expect(first.verdict).toMatchObject({ valid: true, code: 'VALID', allowed: true });
    expect(first.queries).toBeGreaterThan(0);
    const second = await verifyCounting(token, { scope: 'issues:read' });
    expect(second.queries).toBe(0);
    expect(second.verdict).toEqual(first.verdict);
    // A different scope on the same cached token: still no query, still exact.
    const other = await verifyCounting(token, { scope: 'issues:write' });
    expect(other.queries).toBe(0);
    expect(other.verdict).toMatchObject({ valid: true, code: 'FORBIDDEN', allowed: false });
  });

  it('remembers an unknown token briefly, and never hides a token minted afterwards', async () => {
    const fabricated = generateToken('lk', 'pat');
    expect((await verifyCounting(fabricated)).verdict.code).toBe('NOT_FOUND');
    const again = await verifyCounting(fabricated);
    expect(again.verdict.code).toBe('NOT_FOUND');
    expect(again.queries).toBe(0);
    const minted = await mint();
    expect((await verify(minted.token)).code).toBe('VALID');
  });

  it('reports its counters on /metrics', async () => {
    const { token } = await mint();
    await primed(token);
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const hits = Number(/^latchkey_token_cache_hits_total (\d+)$/m.exec(res.body)?.[1]);
    expect(hits).toBeGreaterThan(0);
    expect(res.body).toMatch(/^latchkey_token_cache_entries \d+$/m);
  });

  it('never queries for a malformed token', async () => {
    const res = await verifyCounting('lk_pat_not-a-token');
    expect(res.verdict.code).toBe('MALFORMED');
    expect(res.queries).toBe(0);
  });
});

describe('verification cache: changes count on the very next request', () => {
  it('revoke', async () => {
    const minted = await mint();
    expect((await primed(minted.token)).code).toBe('VALID');
    const res = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    expect(res.statusCode).toBe(200);
    expect((await verify(minted.token)).code).toBe('REVOKED');
    expect((await request(t, { method: 'GET', url: '/v1/me', token: minted.token })).statusCode).toBe(401);
  });

  it('revoke as the token itself, right after it authenticated from the cache', async () => {
    const minted = await mint();
    await primed(minted.token);
    await request(t, { method: 'GET', url: '/v1/me', token: minted.token });
    const res = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: minted.token });
    expect(res.statusCode).toBe(200);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: minted.token })).statusCode).toBe(401);
  });

  it('roll without grace: the old value fails at once, the new one works', async () => {
    const minted = await mint();
    await primed(minted.token);
    const rolled = await request(t, { method: 'POST', url: `/v1/api-tokens/${minted.id}/roll`, token: org.token, payload: {} });
    expect(rolled.statusCode).toBe(200);
    expect((await verify(rolled.json().token)).code).toBe('VALID');
    expect((await verify(minted.token)).code).toBe('REVOKED');
  });

  it('suspension, reactivation, role downgrade and removal of the owner', async () => {
    const member = await addMember(t, org, 'admin');
    expect((await primed(member.token, { scope: 'members:manage' })).allowed).toBe(true);

    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { role: 'viewer' } });
    expect(await verify(member.token, { scope: 'members:manage' })).toMatchObject({ valid: true, allowed: false, code: 'FORBIDDEN' });

    await primed(member.token);
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { status: 'suspended' } });
    expect((await verify(member.token)).code).toBe('SUSPENDED');
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { status: 'active' } });
    expect((await verify(member.token)).code).toBe('VALID');

    await primed(member.token);
    const removed = await request(t, { method: 'DELETE', url: `/v1/members/${member.userId}`, token: org.token });
    expect(removed.statusCode).toBe(200);
    expect((await verify(member.token)).valid).toBe(false);
  });

  it('team grants and service-account narrowing', async () => {
    const member = await addMember(t, org, 'viewer');
    const team = (await request(t, { method: 'POST', url: '/v1/teams', token: org.token, payload: { name: `cache team ${Math.random()}` } })).json();
    const ask = { scope: 'issues:write', team: team.id };
    expect((await primed(member.token, ask)).allowed).toBe(false);
    const added = await request(t, { method: 'POST', url: `/v1/teams/${team.id}/members`, token: org.token, payload: { userId: member.userId, scopes: ['issues:write'] } });
    expect(added.statusCode, added.body).toBe(201);
    expect((await verify(member.token, ask)).allowed).toBe(true);

    const sa = (await request(t, { method: 'POST', url: '/v1/service-accounts', token: org.token, payload: { name: `cache sa ${Math.random()}`, scopes: ['issues:read', 'issues:write'] } })).json();
    const saToken = (await request(t, { method: 'POST', url: `/v1/service-accounts/${sa.id}/tokens`, token: org.token, payload: { name: 'x' } })).json();
    expect((await primed(saToken.token, { scope: 'issues:write' })).allowed).toBe(true);
    await request(t, { method: 'PATCH', url: `/v1/service-accounts/${sa.id}`, token: org.token, payload: { scopes: ['issues:read'] } });
    expect((await verify(saToken.token, { scope: 'issues:write' })).allowed).toBe(false);
  });

  it('org changes (the verdict names the org as it is now)', async () => {
    const minted = await mint();
    await primed(minted.token);
    const renamed = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { name: 'Renamed for cache test' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await verify(minted.token)).org?.name).toBe('Renamed for cache test');
  });
});

describe('verification cache: time', () => {
  let start: Date;
  beforeEach(() => {
    start = t.clock.now();
  });
  afterEach(() => {
    t.clock.set(start);
  });

  it('expiry counts at the exact millisecond, with the entry cached', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + 3_000);
    const minted = await mint({ expiresAt: expiresAt.toISOString() });
    await primed(minted.token);
    t.clock.set(new Date(expiresAt.getTime() - 1));
    const before = await verifyCounting(minted.token);
    expect(before.verdict.code).toBe('VALID');
    expect(before.queries).toBe(0);
    t.clock.set(expiresAt);
    expect((await verify(minted.token)).code).toBe('EXPIRED');
  });

  it('a rolled secret works until its grace period ends, exactly', async () => {
    const minted = await mint();
    await primed(minted.token);
    const rolled = await request(t, { method: 'POST', url: `/v1/api-tokens/${minted.id}/roll`, token: org.token, payload: { gracePeriodSeconds: 3 } });
    expect(rolled.statusCode).toBe(200);
    const graceEnds = t.clock.now().getTime() + 3_000;
    expect((await primed(minted.token)).code).toBe('VALID');
    t.clock.set(new Date(graceEnds - 1));
    const last = await verifyCounting(minted.token);
    expect(last.verdict.code).toBe('VALID');
    expect(last.queries).toBe(0);
    t.clock.set(new Date(graceEnds));
    expect((await verify(rolled.json().token)).code).toBe('VALID');
    expect((await verify(minted.token)).code).toBe('REVOKED');
  });

  it('the TTL backstop bounds how long a write that bypassed change() can go unseen', async () => {
    const minted = await mint();
    await primed(minted.token);
    // Not how Latchkey revokes (no change(), so no invalidation): what an outside write looks like.
    await t.deps.db.updateTable('tokens').set({ revoked_at: t.clock.now().toISOString() }).where('id', '=', minted.id).execute();
    expect((await verify(minted.token)).code).toBe('VALID');
    t.clock.advance(t.deps.config.tokenCache.ttlMs);
    expect((await verify(minted.token)).code).toBe('REVOKED');
  });
});
