// Per-token limits through HTTP (SPEC §10): allowedIps and rateLimit set at mint,
// shown on the token, enforced on direct use and through /v1/verify; the client
// address comes from X-Forwarded-For only when the peer is a configured proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let verifier: string;

beforeAll(async () => {
  t = await createTestApp({ overrides: { trustProxy: ['10.9.0.0/16'] } });
  org = await createTestOrg(t);
  verifier = (await mint({ scopes: ['tokens:verify'] })).json().token;
});
afterAll(() => t.close());

let n = 0;
function mint(payload: Record<string, unknown>, token = org.token, url = '/v1/api-tokens') {
  return request(t, { method: 'POST', url, token, payload: { name: `limited ${++n}`, ...payload } });
}
async function minted(payload: Record<string, unknown>, token = org.token) {
  const res = await mint(payload, token);
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; allowedIps: string[] | null; rateLimit: unknown };
}
const meFrom = (token: string, remoteAddress: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}`, ...headers }, remoteAddress });
const verify = async (payload: Record<string, unknown>) => {
  const res = await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('allowedIps', () => {
  it('is validated at mint: each entry an IPv4 or IPv6 address or CIDR range', async () => {
    for (const bad of [['10.0.0.0/33'], ['2001:db8::/129'], ['10.0.0'], ['example.com'], ['10.0.0.0/8', 'nope'], [], ['10.0.0.0/-1']]) {
      const body = expectProblem(await mint({ allowedIps: bad }), 400, 'validation_failed');
      expect(body.errors).toBeDefined();
    }
    expectProblem(await mint({ allowedIps: '10.0.0.0/8' }), 400, 'validation_failed');
    expect((await request(t, { method: 'GET', url: '/v1/api-tokens?limit=200', token: org.token })).json().data.filter((x: { name: string }) => x.name.startsWith('limited')).length).toBe(1);
  });

  it('is shown on the token, and refuses use from outside the ranges (IPv4 and IPv6): 403 ip_not_allowed, verify IP_NOT_ALLOWED', async () => {
    const token = await minted({ allowedIps: ['192.0.2.0/24', '2001:db8::/32'] });
    expect(token.allowedIps).toEqual(['192.0.2.0/24', '2001:db8::/32']);
    const shown = await request(t, { method: 'GET', url: `/v1/api-tokens/${token.id}`, token: org.token });
    expect(shown.json()).toMatchObject({ allowedIps: ['192.0.2.0/24', '2001:db8::/32'], rateLimit: null });

    expect((await meFrom(token.token, '192.0.2.77')).statusCode).toBe(200);
    expect((await meFrom(token.token, '2001:db8:1::5')).statusCode).toBe(200);
    expect((await meFrom(token.token, '::ffff:192.0.2.8')).statusCode).toBe(200);
    expectProblem(await meFrom(token.token, '198.51.100.1'), 403, 'ip_not_allowed');
    expectProblem(await meFrom(token.token, '2001:db9::1'), 403, 'ip_not_allowed');

    expect(await verify({ token: token.token, ip: '192.0.2.1' })).toMatchObject({ valid: true, code: 'VALID' });
    expect(await verify({ token: token.token, ip: '2001:db8::1' })).toMatchObject({ valid: true, code: 'VALID' });
    expect(await verify({ token: token.token, ip: '203.0.113.1' })).toMatchObject({ valid: false, allowed: false, code: 'IP_NOT_ALLOWED', token: { id: token.id } });
    // Without an ip the caller's own address is the one checked (here 127.0.0.1).
    expect((await verify({ token: token.token })).code).toBe('IP_NOT_ALLOWED');
  });

  it('X-Forwarded-For counts only from a configured proxy', async () => {
    const token = await minted({ allowedIps: ['192.0.2.0/24'] });
    // A client cannot claim an address.
    expectProblem(await meFrom(token.token, '198.51.100.1', { 'x-forwarded-for': '192.0.2.5' }), 403, 'ip_not_allowed');
    // The proxy can.
    expect((await meFrom(token.token, '10.9.3.4', { 'x-forwarded-for': '192.0.2.5' })).statusCode).toBe(200);
    expectProblem(await meFrom(token.token, '10.9.3.4', { 'x-forwarded-for': '198.51.100.1' }), 403, 'ip_not_allowed');
  });

  it('a token minted by a limited token inherits its ranges and cannot widen them', async () => {
    const parent = await minted({ allowedIps: ['192.0.2.0/24'], scopes: ['tokens:manage', 'org:read'] });
    const mintFrom = (payload: Record<string, unknown>) =>
      t.app.inject({ method: 'POST', url: '/v1/api-tokens', headers: { authorization: `Bearer ${parent.token}` }, payload: { name: `child ${++n}`, ...payload }, remoteAddress: '192.0.2.10' });
    const inherited = await mintFrom({});
    expect(inherited.statusCode, inherited.body).toBe(201);
    expect(inherited.json().allowedIps).toEqual(['192.0.2.0/24']);
    const narrower = await mintFrom({ allowedIps: ['192.0.2.128/25'] });
    expect(narrower.json().allowedIps).toEqual(['192.0.2.128/25']);
    expectProblem(await mintFrom({ allowedIps: ['192.0.0.0/16'] }), 400, 'validation_failed');
    expectProblem(await mintFrom({ allowedIps: ['0.0.0.0/0'] }), 400, 'validation_failed');
    expectProblem(await mintFrom({ allowedIps: ['2001:db8::/32'] }), 400, 'validation_failed');
  });
});

describe('rateLimit', () => {
  it('is validated at mint', async () => {
    for (const bad of [{ limit: 0, windowSeconds: 60 }, { limit: 5 }, { limit: 5, windowSeconds: 0 }, { limit: 1.5, windowSeconds: 1 }, { limit: 5, windowSeconds: 60, burst: 2 }]) {
      expectProblem(await mint({ rateLimit: bad }), 400, 'validation_failed');
    }
  });

  it('over the rate: direct use 429 with Retry-After; a new window lets it through', async () => {
    const token = await minted({ rateLimit: { limit: 3, windowSeconds: 60 } });
    expect(token.rateLimit).toEqual({ limit: 3, windowSeconds: 60 });
    for (let i = 0; i < 3; i++) expect((await request(t, { method: 'GET', url: '/v1/me', token: token.token })).statusCode).toBe(200);
    const limited = await request(t, { method: 'GET', url: '/v1/me', token: token.token });
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('60');
    t.clock.advance(45_000);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: token.token })).headers['retry-after']).toBe('15');
    t.clock.advance(15_000);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: token.token })).statusCode).toBe(200);
  });

  it('through /v1/verify: RATE_LIMITED with retryAfter; other tokens unaffected', async () => {
    const token = await minted({ rateLimit: { limit: 2, windowSeconds: 10 } });
    const other = await minted({});
    expect((await verify({ token: token.token })).code).toBe('VALID');
    expect((await verify({ token: token.token })).code).toBe('VALID');
    expect(await verify({ token: token.token })).toMatchObject({ valid: false, allowed: false, code: 'RATE_LIMITED', retryAfter: 10, token: { id: token.id } });
    expect((await verify({ token: other.token })).code).toBe('VALID');
  });

  it('a token minted by a rate-limited token inherits the rate and cannot ask for a faster one', async () => {
    const parent = await minted({ rateLimit: { limit: 10, windowSeconds: 60 }, scopes: ['tokens:manage', 'org:read'] });
    expect((await minted({}, parent.token)).rateLimit).toEqual({ limit: 10, windowSeconds: 60 });
    expect((await minted({ rateLimit: { limit: 1, windowSeconds: 60 } }, parent.token)).rateLimit).toEqual({ limit: 1, windowSeconds: 60 });
    expectProblem(await mint({ rateLimit: { limit: 11, windowSeconds: 60 } }, parent.token), 400, 'validation_failed');
    expectProblem(await mint({ rateLimit: { limit: 10, windowSeconds: 59 } }, parent.token), 400, 'validation_failed');
  });

  it('org API keys, service-account and team tokens take limits too', async () => {
    const key = await mint({ role: 'viewer', allowedIps: ['192.0.2.0/24'], rateLimit: { limit: 1, windowSeconds: 5 } }, org.token, '/v1/tokens');
    expect(key.statusCode, key.body).toBe(201);
    expect(key.json()).toMatchObject({ allowedIps: ['192.0.2.0/24'], rateLimit: { limit: 1, windowSeconds: 5 } });
    expectProblem(await meFrom(key.json().token, '203.0.113.3'), 403, 'ip_not_allowed');
    const sa = await request(t, { method: 'POST', url: '/v1/service-accounts', token: org.token, payload: { name: 'limited sa', scopes: ['issues:read'] } });
    const saToken = await mint({ rateLimit: { limit: 1, windowSeconds: 5 } }, org.token, `/v1/service-accounts/${sa.json().id}/tokens`);
    expect(saToken.json().rateLimit).toEqual({ limit: 1, windowSeconds: 5 });
    expect((await verify({ token: saToken.json().token, scope: 'issues:read' })).code).toBe('VALID');
    expect((await verify({ token: saToken.json().token, scope: 'issues:read' })).code).toBe('RATE_LIMITED');
  });
});
