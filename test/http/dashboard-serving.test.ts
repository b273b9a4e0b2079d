// How the server serves the dashboard, on a stand-in build (so this runs whether
// or not web/ was built): caching, the SPA fallback, API 404s, security headers;
// and the three small routes the dashboard needs (session, orgs, plans).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let build: string;
const INDEX = '<!doctype html><title>Latchkey</title><script type="module" src="/assets/index-AbCd1234.js"></script>';

beforeAll(async () => {
  build = mkdtempSync(path.join(tmpdir(), 'latchkey-web-'));
  mkdirSync(path.join(build, 'assets'));
  writeFileSync(path.join(build, 'index.html'), INDEX);
  writeFileSync(path.join(build, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
  writeFileSync(path.join(build, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  t = await createTestApp({ dashboardDir: build });
  org = await createTestOrg(t, 'Acme');
});
afterAll(async () => {
  await t.close();
  rmSync(build, { recursive: true, force: true });
});

const page = (url: string, accept = 'text/html,application/xhtml+xml') => t.app.inject({ method: 'GET', url, headers: { accept } });

describe('serving the dashboard', () => {
  it('/ is index.html, never cached, with a strict CSP and no framing', async () => {
    const res = await page('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toBe(INDEX);
    expect(res.headers['cache-control']).toBe('no-cache');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('hashed assets are cached for a year; other files are revalidated', async () => {
    const asset = await page('/assets/index-AbCd1234.js', '*/*');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.body).toBe('console.log(1)');
    const icon = await page('/favicon.svg', '*/*');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('an app path reloaded in the browser gets index.html; a missing asset or a non-browser request gets problem+json', async () => {
    for (const url of ['/tokens', '/tokens/tok_123', '/teams/team_1?x=1', '/accept-invite']) {
      const res = await page(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body).toBe(INDEX);
    }
    expectProblem(await page('/assets/missing-12345678.js'), 404, 'route_not_found');
    expectProblem(await page('/tokens', 'application/json'), 404, 'route_not_found');
    const post = await t.app.inject({ method: 'POST', url: '/tokens', headers: { accept: 'text/html' } });
    expect(post.statusCode).toBe(404);
  });

  it('API paths stay problem+json even for a browser, and carry the same headers', async () => {
    for (const url of ['/v1/nope', '/v1', '/healthz/x', '/metrics/x']) {
      const res = await page(url);
      expectProblem(res, 404, 'route_not_found');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    const me = await request(t, { method: 'GET', url: '/v1/me', token: org.token });
    expect(me.headers['x-frame-options']).toBe('DENY');
  });

  it('with no build, / is a plain 404 problem', async () => {
    const bare = await createTestApp({ dashboardDir: null });
    try {
      expectProblem(await bare.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html' } }), 404, 'route_not_found');
    } finally {
      await bare.close();
    }
  });
});

describe('routes the dashboard needs', () => {
  it('GET /v1/auth/session gives a reloaded page its CSRF token; without a session it is 401', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const res = await request(t, { method: 'GET', url: '/v1/auth/session', session });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.json()).toMatchObject({ user: { email: org.ownerEmail }, org: { id: org.orgId, name: 'Acme' }, csrfToken: session.csrfToken });
    expectProblem(await t.app.inject({ method: 'GET', url: '/v1/auth/session' }), 401, 'unauthorized');
    expectProblem(await request(t, { method: 'GET', url: '/v1/auth/session', token: org.token }), 403, 'session_required');
  });

  it('GET /v1/orgs lists the signed-in person’s orgs with their role (session only)', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const created = await request(t, { method: 'POST', url: '/v1/orgs', session, payload: { name: 'Beta' } });
    expect(created.statusCode).toBe(201);
    const res = await request(t, { method: 'GET', url: '/v1/orgs', session });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: [
        { id: org.orgId, name: 'Acme', plan: expect.any(String), role: 'owner', status: 'active' },
        { id: created.json().id, name: 'Beta', plan: expect.any(String), role: 'owner', status: 'active' },
      ],
      nextCursor: null,
    });
    expectProblem(await request(t, { method: 'GET', url: '/v1/orgs', token: org.token }), 403, 'session_required');
  });

  it('GET /v1/plans lists the plans with their seat limits and features', async () => {
    const res = await request(t, { method: 'GET', url: '/v1/plans', token: org.token });
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toEqual(expect.arrayContaining([{ name: 'free', seatLimit: 5, features: { auditLog: false } }, { name: 'pro', seatLimit: 50, features: { auditLog: true } }]));
  });

  it('the audit log refused by the plan says which plans have it', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const beta = (await request(t, { method: 'GET', url: '/v1/orgs', session })).json().data.find((o: { name: string }) => o.name === 'Beta');
    const betaSession = { ...session, orgId: beta.id };
    expect((await request(t, { method: 'PATCH', url: '/v1/org', session: betaSession, payload: { plan: 'free' } })).statusCode).toBe(200);
    const refused = expectProblem(await request(t, { method: 'GET', url: '/v1/audit-events', session: betaSession }), 403, 'plan_feature_unavailable');
    expect(refused.detail).toContain('it is part of the pro, apex plans');
  });
});
