// Throttling through HTTP (SPEC §10): failed logins per account and IP, failed
// bearer authentications per IP, /v1/verify failures per caller; and the bound
// on what the throttles remember when an attacker cycles through addresses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/tokens/format.js';
import { Throttles } from '../../src/throttling/throttles.js';
import { createTestApp, createTestOrg, expectProblem, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp({
    overrides: {
      throttles: {
        bearerFailures: { limit: 5, windowSeconds: 60 },
        verifyFailures: { limit: 4, windowSeconds: 30 },
        maxKeys: 200,
      },
    },
  });
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const loginFrom = (email: string, password: string, remoteAddress: string) =>
  t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress });

describe('failed logins per account and IP', () => {
  it('10 failures in 15 minutes → 429 with Retry-After (even with the right password), recorded once; other IPs unaffected', async () => {
    const ip = '192.0.2.50';
    for (let i = 0; i < 10; i++) expectProblem(await loginFrom(org.ownerEmail, 'wrong password', ip), 401, 'invalid_credentials');
    const refused = await loginFrom(org.ownerEmail, OWNER_PASSWORD, ip);
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(800);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(900);
    // The same account from another address, and another account from this one, still sign in.
    expect((await loginFrom(org.ownerEmail, OWNER_PASSWORD, '192.0.2.51')).statusCode).toBe(200);

    const events = await t.deps.db.selectFrom('audit_events').select(['action', 'ip', 'metadata']).where('org_id', '=', org.orgId).where('action', '=', 'auth.login_throttled').execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ ip });
    expect(JSON.parse(events[0]!.metadata)).toEqual({ failures: 10, windowSeconds: 900 });
    // More refused attempts record nothing more.
    await loginFrom(org.ownerEmail, 'wrong password', ip);
    expect(await t.deps.db.selectFrom('audit_events').select('id').where('org_id', '=', org.orgId).where('action', '=', 'auth.login_throttled').execute()).toHaveLength(1);

    t.clock.advance(15 * 60_000);
    expect((await loginFrom(org.ownerEmail, OWNER_PASSWORD, ip)).statusCode).toBe(200);
  });

  it('a successful login clears the count', async () => {
    const ip = '192.0.2.60';
    for (let i = 0; i < 9; i++) await loginFrom(org.ownerEmail, 'wrong password', ip);
    expect((await loginFrom(org.ownerEmail, OWNER_PASSWORD, ip)).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) expectProblem(await loginFrom(org.ownerEmail, 'wrong password', ip), 401, 'invalid_credentials');
  });

  it('unknown accounts are throttled the same way (nothing to tell apart)', async () => {
    const ip = '192.0.2.70';
    for (let i = 0; i < 10; i++) await loginFrom('nobody@example.com', 'x', ip);
    expectProblem(await loginFrom('nobody@example.com', 'x', ip), 429, 'rate_limited');
  });
});

describe('failed bearer authentication per IP', () => {
  it('after the limit of unknown or malformed tokens, the address waits (429 + Retry-After), even with a good token; others do not', async () => {
    const ip = '198.51.100.20';
    const me = (token: string, remoteAddress = ip) => t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` }, remoteAddress });
    for (let i = 0; i < 3; i++) expectProblem(await me(generateToken('lk', 'pat')), 401, 'invalid_token');
    for (let i = 0; i < 2; i++) expectProblem(await me('garbage'), 401, 'invalid_token');
    const limited = await me(org.token);
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('60');
    expect((await me(org.token, '198.51.100.21')).statusCode).toBe(200);
    t.clock.advance(60_000);
    expect((await me(org.token)).statusCode).toBe(200);
  });
});

describe('/v1/verify failures per caller', () => {
  it('a caller that keeps verifying tokens that do not exist waits; another caller does not', async () => {
    const mint = async (name: string) => (await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name, scopes: ['tokens:verify'] } })).json().token as string;
    const searcher = await mint('searcher');
    const honest = await mint('honest');
    const verify = (caller: string, token: string) => request(t, { method: 'POST', url: '/v1/verify', token: caller, payload: { token } });
    for (let i = 0; i < 4; i++) expect((await verify(searcher, generateToken('lk', 'pat'))).json().code).toBe('NOT_FOUND');
    const limited = await verify(searcher, org.token);
    expectProblem(limited, 429, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('30');
    expect((await verify(honest, org.token)).json().code).toBe('VALID');
    t.clock.advance(30_000);
    expect((await verify(searcher, org.token)).json().code).toBe('VALID');
  });
});

describe('bounded memory', () => {
  it('a thousand distinct failing addresses over HTTP never hold more than maxKeys entries', async () => {
    const bad = generateToken('lk', 'pat');
    for (let i = 0; i < 1000; i++) {
      const remoteAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${bad}` }, remoteAddress });
    }
    expect(t.deps.throttles!.sizes().bearer).toBeLessThanOrEqual(200);
    expect(t.deps.throttles!.sizes().bearer).toBeGreaterThan(0);
    // The throttle still works for an address that keeps failing.
    const hot = '203.0.113.99';
    for (let i = 0; i < 5; i++) await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${bad}` }, remoteAddress: hot });
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${bad}` }, remoteAddress: hot }), 429, 'rate_limited');
  });

  it('100,000 distinct failing IPs: every throttle stays at its bound (the default 10,000 keys)', () => {
    const throttles = new Throttles();
    const now = Date.now();
    for (let i = 0; i < 100_000; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      throttles.bearer.failed(ip, now);
      throttles.login.failed(Throttles.loginKey('victim@example.com', ip), now);
      throttles.verify.failed(`tok_${i}`, now);
      throttles.publicRevocations.take(ip, now);
    }
    for (const size of Object.values(throttles.sizes())) expect(size).toBeLessThanOrEqual(10_000);
    expect(throttles.sizes().bearer).toBeGreaterThanOrEqual(5_000);
  });
});
