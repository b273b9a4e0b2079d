// Each route's required scope, tested for every role. The matrix walks the OpenAPI
// document: every operation that acts in an org declares `x-required-scope`, and
// is called with a token of each role (and with an owner's token narrowed to
// everything but that scope). A credential without the scope gets 403 naming it;
// one with it gets past the check. A route added later is walked too.
// Then the self-service split of SPEC §3 by hand: anyone's token manages that
// person's own tokens; only `tokens:admin` reaches other people's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
const ROLES = ['viewer', 'member', 'admin', 'owner'] as const;
type Role = (typeof ROLES)[number];
const sessions = {} as Record<Role, Session>;
const tokens = {} as Record<Role, string>;

async function ok(res: { statusCode: number; body: string; json(): unknown }, status = 201): Promise<Record<string, string>> {
  if (res.statusCode !== status) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, string>;
}

/** A fresh personal token of each role, minted at the dashboard (a session). */
async function provision(): Promise<void> {
  for (const role of ROLES) {
    tokens[role] = (await ok(await request(t, { method: 'POST', url: '/v1/api-tokens', session: sessions[role], payload: { name: `${role} ${Math.random()}`, expiresIn: '30d' } }))).token!;
  }
}

beforeAll(async () => {
  t = await createTestApp({ overrides: { plans: [{ name: 'big', seatLimit: 500, features: { auditLog: true } }], defaultPlan: 'big' } });
  org = await createTestOrg(t);
  for (const role of ['viewer', 'member', 'admin'] as const) sessions[role] = (await addMember(t, org, role)).session;
  sessions.owner = await login(t, org.ownerEmail, OWNER_PASSWORD);
  await provision();
});
afterAll(() => t.close());

type Operation = { operationId: string; 'x-required-scope'?: string; requestBody?: { content: Record<string, { example?: unknown }> } };
interface Route {
  method: string;
  path: string;
  op: Operation;
  scope: string;
}

async function scopedRoutes(): Promise<Route[]> {
  const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as { paths: Record<string, Record<string, Operation>> };
  const out: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      // An event stream never ends under inject; GET /v1/verify/events' scope check is tested in verify-events.test.ts.
      if (op['x-required-scope'] && path !== '/v1/verify/events') out.push({ method: method.toUpperCase(), path, op, scope: op['x-required-scope'] });
    }
  }
  // Mass revocations last in each run of the matrix, so they do not pull tokens from under the rest.
  return out.sort((a, b) => Number(a.op.operationId.startsWith('revokeAll')) - Number(b.op.operationId.startsWith('revokeAll')));
}

/** The URL to call: a real team (team checks are made in the team), other ids well-formed but unknown. */
async function urlFor(route: Route): Promise<string> {
  let url = route.path;
  if (url.startsWith('/v1/teams/{id}')) {
    const team = await ok(await request(t, { method: 'POST', url: '/v1/teams', token: tokens.owner, payload: { name: `matrix ${Math.random()}` } }));
    url = url.replace('{id}', team.id!);
  }
  return url.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'userId' ? 'usr_0000000000000000000000' : 'tok_0000000000000000000000'));
}

const roleScopes = (role: Role) => new Set(t.deps.config.roles.find((r) => r.name === role)!.scopes);

describe('every scoped route, for every role', () => {
  it('walks a sensible number of routes, and every /v1/tokens route needs tokens:admin', async () => {
    const routes = await scopedRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(40);
    const admin = routes.filter((r) => r.path.startsWith('/v1/tokens'));
    expect(admin.length).toBe(8); // list, create, get, roll, revoke, revoke-all, approve, usage
    expect(admin.every((r) => r.scope === 'tokens:admin')).toBe(true);
  });

  it('the roles: self-service token scopes for all, tokens:admin for owner and admin only', () => {
    for (const role of ROLES) {
      expect(roleScopes(role).has('tokens:read'), role).toBe(true);
      expect(roleScopes(role).has('tokens:manage'), role).toBe(true);
      expect(roleScopes(role).has('tokens:admin'), role).toBe(role === 'owner' || role === 'admin');
    }
  });

  it('a credential without the route’s scope gets 403 naming it; one with it gets past the check', async () => {
    const catalogue = t.deps.config.catalogue.map((s) => s.scope);
    const failures: string[] = [];
    for (const route of await scopedRoutes()) {
      const url = await urlFor(route);
      const payload = route.op.requestBody?.content['application/json']?.example as object | undefined;
      // An owner's token narrowed to everything but this scope: the scope, not the role, decides.
      const without = await ok(
        await request(t, { method: 'POST', url: '/v1/api-tokens', token: tokens.owner, payload: { name: `without ${route.op.operationId}`, scopes: catalogue.filter((s) => s !== route.scope), expiresIn: '30d' } }),
      );
      // Those that will be refused go first, so nothing has changed under them yet.
      // Tokens are looked up at call time: a mass revocation earlier in the loop re-provisions them.
      const callers: Array<[string, () => string, boolean]> = [
        ...ROLES.filter((r) => !roleScopes(r).has(route.scope)).map((r): [string, () => string, boolean] => [r, () => tokens[r], false]),
        [`owner narrowed to all but ${route.scope}`, () => without.token!, false],
        ...ROLES.filter((r) => roleScopes(r).has(route.scope)).map((r): [string, () => string, boolean] => [r, () => tokens[r], true]),
      ];
      for (const [who, token, allowed] of callers) {
        const res = await request(t, { method: route.method as 'GET', url, token: token(), ...(payload !== undefined ? { payload } : {}) });
        const where = `${who} ${route.method} ${route.path} (${route.op.operationId}, ${route.scope})`;
        if (allowed) {
          if (res.statusCode === 401 || res.statusCode === 403) failures.push(`${where}: allowed, but ${res.statusCode} ${res.body.slice(0, 200)}`);
        } else if (res.statusCode !== 403 || res.json().code !== 'forbidden' || !String(res.json().detail).includes(route.scope)) {
          failures.push(`${where}: should be 403 naming the scope, got ${res.statusCode} ${res.body.slice(0, 200)}`);
        }
        if (route.op.operationId.startsWith('revokeAll') && allowed) await provision();
      }
    }
    expect(failures).toEqual([]);
    // The walk applied updateOrg's example (a policy); put the org back as it was.
    await ok(await request(t, { method: 'PATCH', url: '/v1/org', token: tokens.owner, payload: { policy: { requireExpiry: false, maxLifetimeDays: null } } }), 200);
  });
});

describe('self-service vs tokens:admin (SPEC §3)', () => {
  const call = (method: string, url: string, token: string, payload?: object) => request(t, { method: method as 'GET', url, token, ...(payload ? { payload } : {}) });

  for (const role of ['member', 'viewer'] as const) {
    it(`a ${role}'s token lists, mints, rolls and revokes the ${role}'s own tokens, and gets 403 on /v1/tokens…`, async () => {
      await provision();
      const token = tokens[role];
      const minted = await call('POST', '/v1/api-tokens', token, { name: `${role} cli`, expiresIn: '30d' });
      expect(minted.statusCode).toBe(201);
      const own = minted.json();
      expect(own.scopes).toEqual(expect.arrayContaining(['tokens:read', 'tokens:manage']));
      expect(own.scopes).not.toContain('tokens:admin');
      const list = await call('GET', '/v1/api-tokens', token);
      expect(list.statusCode).toBe(200);
      expect(list.json().data.map((x: { id: string }) => x.id)).toContain(own.id);
      expect((await call('GET', `/v1/api-tokens/${own.id}`, token)).statusCode).toBe(200);
      const rolled = await call('POST', `/v1/api-tokens/${own.id}/roll`, token, {});
      expect(rolled.statusCode).toBe(200);
      expect((await call('GET', '/v1/me', rolled.json().token)).json().credential.id).toBe(own.id);
      expect((await call('DELETE', `/v1/api-tokens/${own.id}`, token)).json().status).toBe('revoked');

      // Someone else's token is not theirs to see, even by id.
      expectProblem(await call('GET', `/v1/api-tokens/${org.tokenId}`, token), 404, 'not_found');
      expectProblem(await call('DELETE', `/v1/api-tokens/${org.tokenId}`, token), 404, 'not_found');
      for (const [method, url, body] of [
        ['GET', '/v1/tokens'],
        ['POST', '/v1/tokens', { name: 'key', role: 'viewer' }],
        ['GET', `/v1/tokens/${org.tokenId}`],
        ['POST', `/v1/tokens/${org.tokenId}/roll`, {}],
        ['DELETE', `/v1/tokens/${org.tokenId}`],
        ['POST', '/v1/tokens/revoke-all', {}],
      ] as const) {
        const body403 = expectProblem(await call(method, url, token, body), 403, 'forbidden');
        expect(body403.detail).toContain('tokens:admin');
      }
      expect((await call('GET', '/v1/me', tokens.owner)).statusCode).toBe(200);

      // And revoke-all of their own, the calling token included.
      const revoked = await call('POST', '/v1/api-tokens/revoke-all', token, {});
      expect(revoked.statusCode).toBe(200);
      expect(revoked.json().revoked).toBeGreaterThanOrEqual(1);
      expectProblem(await call('GET', '/v1/me', token), 401, 'token_revoked');
      expect((await call('GET', '/v1/me', tokens.owner)).statusCode).toBe(200);
    });
  }

  it("an admin's token narrowed to tokens:manage cannot reach /v1/tokens… without tokens:admin", async () => {
    await provision();
    const narrowed = (await call('POST', '/v1/api-tokens', tokens.admin, { name: 'manage only', scopes: ['tokens:read', 'tokens:manage'] })).json();
    expect((await call('GET', '/v1/api-tokens', narrowed.token)).statusCode).toBe(200);
    const mine = await call('POST', '/v1/api-tokens', narrowed.token, { name: 'from narrowed' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json().scopes).toEqual(['tokens:manage', 'tokens:read']);
    for (const [method, url, body] of [
      ['GET', '/v1/tokens'],
      ['POST', '/v1/tokens', { name: 'key', role: 'viewer' }],
      ['POST', `/v1/tokens/${org.tokenId}/roll`, {}],
      ['DELETE', `/v1/tokens/${org.tokenId}`],
      ['POST', '/v1/tokens/revoke-all', {}],
    ] as const) {
      expect(expectProblem(await call(method, url, narrowed.token, body), 403, 'forbidden').detail).toContain('tokens:admin');
    }
    // It cannot mint its way to tokens:admin either.
    expectProblem(await call('POST', '/v1/api-tokens', narrowed.token, { name: 'wider', scopes: ['tokens:admin'] }), 403, 'forbidden');
    // Narrowed to tokens:admin, the same admin reaches the org-wide list.
    const adminOnly = (await call('POST', '/v1/api-tokens', tokens.admin, { name: 'admin only', scopes: ['tokens:admin'] })).json();
    const all = await call('GET', '/v1/tokens?limit=200', adminOnly.token);
    expect(all.statusCode).toBe(200);
    expect(all.json().data.map((x: { id: string }) => x.id)).toContain(org.tokenId);
    // …but, without tokens:read, not even its own list.
    expect(expectProblem(await call('GET', '/v1/api-tokens', adminOnly.token), 403, 'forbidden').detail).toContain('tokens:read');
  });
});
