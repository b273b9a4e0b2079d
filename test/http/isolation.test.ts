// Tenant isolation as a matrix: every route of the OpenAPI document, called with
// each kind of credential of org A on ids that belong to org B, answers 404 and
// changes nothing; lists never show B's ids. A route added later is walked too:
// a path parameter the matrix does not know fails the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, addMember, login, OWNER_PASSWORD, request, type Session, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let a: TestOrg;
let b: TestOrg;
type Ids = { token: string; user: string; sa: string; saToken: string; team: string; teamToken: string };
let idsA: Ids;
let idsB: Ids;
let credentials: Record<string, { token?: string; session?: Session }>;

async function ok(res: { statusCode: number; body: string; json(): unknown }, status = 201) {
  if (res.statusCode !== status) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, string>;
}

async function populate(org: TestOrg): Promise<Ids> {
  const member = await addMember(t, org, 'member');
  const sa = await ok(await request(t, { method: 'POST', url: '/v1/service-accounts', token: org.token, payload: { name: 'deployer', scopes: ['issues:read'] } }));
  const saToken = await ok(await request(t, { method: 'POST', url: `/v1/service-accounts/${sa.id}/tokens`, token: org.token, payload: { name: 'ci' } }));
  const team = await ok(await request(t, { method: 'POST', url: '/v1/teams', token: org.token, payload: { name: 'platform' } }));
  await ok(await request(t, { method: 'POST', url: `/v1/teams/${team.id}/members`, token: org.token, payload: { userId: member.userId, scopes: ['issues:read'] } }));
  const teamToken = await ok(await request(t, { method: 'POST', url: `/v1/teams/${team.id}/tokens`, token: org.token, payload: { name: 'fleet', scopes: ['issues:read'] } }));
  return { token: member.tokenId, user: member.userId, sa: sa.id!, saToken: saToken.id!, team: team.id!, teamToken: teamToken.id! };
}

beforeAll(async () => {
  t = await createTestApp({ overrides: { plans: [{ name: 'big', seatLimit: 100, features: { auditLog: true } }] } });
  a = await createTestOrg(t, 'Org A');
  b = await createTestOrg(t, 'Org B');
  idsA = await populate(a);
  idsB = await populate(b);
  const apiKey = await ok(await request(t, { method: 'POST', url: '/v1/tokens', token: a.token, payload: { name: 'admin key', role: 'owner' } }));
  const session = await login(t, a.ownerEmail, OWNER_PASSWORD);
  credentials = {
    'personal token': { token: a.token },
    'org API key': { token: apiKey.token! },
    session: { session: { ...session, orgId: a.orgId } },
  };
  // A service-account token that can read everything (org-wide token reads need tokens:admin), so its reads reach the lookup too.
  const reader = await ok(
    await request(t, {
      method: 'POST',
      url: '/v1/service-accounts',
      token: a.token,
      payload: { name: 'reader', scopes: ['tokens:read', 'tokens:admin', 'teams:read', 'service_accounts:read', 'members:read', 'org:read'] },
    }),
  );
  const readerToken = await ok(await request(t, { method: 'POST', url: `/v1/service-accounts/${reader.id}/tokens`, token: a.token, payload: { name: 'reader token' } }));
  credentials['service-account token (org-wide read)'] = { token: readerToken.token! };
});
afterAll(() => t.close());

/** The id of org `ids` that fits a path parameter, by where it stands in the path. */
function idFor(path: string, param: string, ids: Ids): string {
  if (param === 'userId') return ids.user;
  if (param === 'tokenId') return path.startsWith('/v1/service-accounts') ? ids.saToken : ids.teamToken;
  if (param === 'id') {
    if (path.startsWith('/v1/api-tokens') || path.startsWith('/v1/tokens')) return ids.token;
    if (path.startsWith('/v1/service-accounts')) return ids.sa;
    if (path.startsWith('/v1/teams')) return ids.team;
  }
  throw new Error(`the isolation matrix has no id for {${param}} in ${path}: teach idFor() about it`);
}

/** A minimal body that passes validation, so the request reaches the lookup. */
function bodyFor(schema: Record<string, unknown> | undefined, ids: Ids): unknown {
  if (!schema) return undefined;
  const variants = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  if (variants) return bodyFor(variants.find((v) => v.type === 'object') ?? variants[0], ids);
  const properties = (schema.properties ?? {}) as Record<string, Record<string, unknown>>;
  const body: Record<string, unknown> = {};
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [name, prop] of Object.entries(properties)) {
    if (!required.has(name) && schema.minProperties === undefined) continue;
    if (!required.has(name) && Object.keys(body).length > 0) continue;
    body[name] = {
      name: 'isolation probe',
      scopes: ['issues:read'],
      userId: ids.user,
      email: 'probe@example.com',
      role: 'viewer',
      status: 'active',
    }[name] ?? (prop.type === 'string' ? 'x' : prop.type === 'boolean' ? true : prop.type === 'integer' ? 1 : undefined);
  }
  return body;
}

interface Route {
  method: string;
  path: string;
  params: string[];
  body: Record<string, unknown> | undefined;
}

async function routes(): Promise<Route[]> {
  const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json() as {
    paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Record<string, unknown> }> } }>>;
  };
  const out: Route[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      out.push({ method: method.toUpperCase(), path, params, body: op.requestBody?.content['application/json']?.schema });
    }
  }
  return out;
}

/** Everything org B has, to show that nothing of it changed. */
async function snapshot(): Promise<string> {
  const db = t.deps.db;
  const parts = await Promise.all([
    db.selectFrom('tokens').selectAll().where('org_id', '=', b.orgId).orderBy('id').execute(),
    db.selectFrom('token_secrets').innerJoin('tokens', 'tokens.id', 'token_secrets.token_id').selectAll('token_secrets').where('tokens.org_id', '=', b.orgId).orderBy('hash').execute(),
    db.selectFrom('memberships').selectAll().where('org_id', '=', b.orgId).orderBy('user_id').execute(),
    db.selectFrom('teams').selectAll().where('org_id', '=', b.orgId).orderBy('id').execute(),
    db.selectFrom('team_members').selectAll().where('org_id', '=', b.orgId).orderBy('user_id').execute(),
    db.selectFrom('token_attachments').selectAll().where('org_id', '=', b.orgId).orderBy('token_id').execute(),
    db.selectFrom('service_accounts').selectAll().where('org_id', '=', b.orgId).orderBy('id').execute(),
    db.selectFrom('orgs').selectAll().where('id', '=', b.orgId).execute(),
  ]);
  return JSON.stringify(parts);
}

describe('tenant isolation', () => {
  it('walks a sensible number of routes', async () => {
    const all = await routes();
    expect(all.filter((r) => r.params.length > 0).length).toBeGreaterThanOrEqual(20);
  });

  it("answers 404 for another org's ids on every route, for every credential type, and changes nothing", async () => {
    const before = await snapshot();
    const failures: string[] = [];
    for (const route of (await routes()).filter((r) => r.params.length > 0)) {
      // All of B's ids, and (for nested routes) A's parent with B's child.
      const variants = [route.params.map((p) => idFor(route.path, p, idsB))];
      if (route.params.length > 1) variants.push(route.params.map((p, i) => (i === 0 ? idFor(route.path, p, idsA) : idFor(route.path, p, idsB))));
      for (const values of variants) {
        let url = route.path;
        route.params.forEach((p, i) => (url = url.replace(`{${p}}`, values[i]!)));
        for (const [label, credential] of Object.entries(credentials)) {
          const payload = bodyFor(route.body, idsB);
          const res = await request(t, { method: route.method as 'GET', url, ...credential, ...(payload !== undefined ? { payload: payload as object } : {}) });
          const leaked = [b.orgId, ...Object.values(idsB)].filter((id) => res.statusCode < 400 && res.body.includes(id));
          const acceptable = res.statusCode === 404 || (res.statusCode === 403 && label.startsWith('service-account'));
          if (!acceptable || leaked.length > 0) failures.push(`${label} ${route.method} ${url} → ${res.statusCode} ${res.body.slice(0, 160)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it("never lists another org's objects", async () => {
    const failures: string[] = [];
    const secretIds = [b.orgId, b.tokenId, b.ownerId, ...Object.values(idsB)];
    for (const route of (await routes()).filter((r) => r.params.length === 0 && r.method === 'GET')) {
      for (const [label, credential] of Object.entries(credentials)) {
        const res = await request(t, { method: 'GET', url: route.path, ...credential });
        const leaked = secretIds.filter((id) => res.body.includes(id));
        if (leaked.length > 0) failures.push(`${label} GET ${route.path} shows ${leaked.join(', ')}`);
      }
    }
    for (const query of [`owner=${idsB.user}`, `team=${idsB.team}`, `owner=${idsB.sa}`]) {
      const res = await request(t, { method: 'GET', url: `/v1/tokens?${query}`, token: a.token });
      expect(res.statusCode).toBe(200);
      expect(res.json().data).toEqual([]);
    }
    expect(failures).toEqual([]);
  });

  it("verifies another org's token as NOT_FOUND, revealing nothing", async () => {
    const bToken = b.token;
    const res = await request(t, { method: 'POST', url: '/v1/verify', token: a.token, payload: { token: bToken, scope: 'org:read' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ valid: false, code: 'NOT_FOUND', token: null, principal: null, org: null });
  });
});
