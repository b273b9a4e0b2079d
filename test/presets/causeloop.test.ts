// Causeloop preset (seed 002, API tokens and service accounts): each test is one
// rule-bearing sentence of the seed, named by a short quote of it, checked over
// HTTP against a server initialised with the preset. The seed's table of ten
// endpoints is walked row by row at its paths and methods.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/clock.js';
import { expectProblem } from '../helpers.js';
import { client, join, ok, presetServer, verify, type Person, type PresetServer } from './helpers.js';

let s: PresetServer;
let api: ReturnType<typeof client>;
let owner: string;
let tenantAdmin: Person;
let adminPat: string;
let member: Person;
let memberPat: { id: string; token: string };
let memberCli: string; // a member's token that is not narrowed: it manages the member's own tokens

beforeAll(async () => {
  s = await presetServer('causeloop');
  api = client(s.t);
  owner = s.org.token;
  tenantAdmin = await join(s.t, owner, 'tenant_admin');
  adminPat = ok(await api.post('/v1/api-tokens', tenantAdmin.session, { name: 'admin cli' })).token;
  member = await join(s.t, owner, 'member');
  memberPat = ok(await api.post('/v1/api-tokens', member.session, { name: 'member script', scopes: ['issues:read', 'issues:write'] }));
  memberCli = ok(await api.post('/v1/api-tokens', member.session, { name: 'member cli' })).token;
});
afterAll(() => s.t.close());

const newAccount = async (name: string, scopes = ['issues:read']) => ok(await api.post('/v1/service-accounts', adminPat, { name, scopes }));

describe('seed 002: API tokens and service accounts', () => {
  it('"workspace" (the preset\'s words)', async () => {
    const me = ok(await api.get('/v1/me', owner));
    expect(me.preset).toBe('causeloop');
    expect(me.vocabulary).toMatchObject({ org: 'workspace', personalToken: 'personal API token', serviceAccount: 'service account' });
  });

  it('"Personal API tokens (PATs) — scoped tokens tied to your user account"', async () => {
    const me = ok(await api.get('/v1/me', memberPat.token));
    expect(me.principal).toMatchObject({ type: 'user', id: member.userId });
    expect(me.scopes).toEqual(['issues:read', 'issues:write']);
    expect((await verify(s.t, owner, memberPat.token, { scope: 'patterns:read' })).allowed).toBe(false);
  });

  it('"Service accounts — workspace-level principals with their own identity and tokens"', async () => {
    const sa = await newAccount('identity');
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'pipeline' }));
    expect(ok(await api.get('/v1/me', issued.token)).principal).toEqual({ type: 'service_account', id: sa.id, name: 'identity' });
  });

  it('"Names must be unique within your account"', async () => {
    ok(await api.post('/v1/api-tokens', member.session, { name: 'local-dev', scopes: ['issues:read'] }));
    expectProblem(await api.post('/v1/api-tokens', member.session, { name: 'local-dev', scopes: ['issues:read'] }), 409, 'name_taken');
    // Another person's namespace is their own.
    ok(await api.post('/v1/api-tokens', tenantAdmin.session, { name: 'local-dev', scopes: ['issues:read'] }));
  });

  it('"Check the scopes the token should have"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'grafana-integration', scopes: ['issues:read'] }));
    expect(pat.scopes).toEqual(['issues:read']);
    expect((await verify(s.t, owner, pat.token, { scope: 'issues:read' })).allowed).toBe(true);
    expect((await verify(s.t, owner, pat.token, { scope: 'issues:write' })).allowed).toBe(false);
  });

  it('"Only grant scopes the integration actually needs" (and never more than you hold)', async () => {
    expectProblem(await api.post('/v1/api-tokens', member.session, { name: 'too wide', scopes: ['workspace:admin'] }), 403, 'forbidden');
    expectProblem(await api.post('/v1/api-tokens', memberPat.token, { name: 'wider than me', scopes: ['patterns:read'] }), 403, 'forbidden');
  });

  it('"Tokens are long-lived by default"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'long-lived', scopes: ['issues:read'] }));
    expect(pat.expiresAt).toBeNull();
    const sa = await newAccount('long-lived-sa');
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'forever' }));
    expect(issued.expiresAt).toBeNull();
    const start = s.t.clock.now();
    s.t.clock.advance(3 * 365 * DAY_MS);
    try {
      expect((await verify(s.t, owner, pat.token)).code).toBe('VALID');
      expect((await verify(s.t, owner, issued.token)).code).toBe('VALID');
    } finally {
      s.t.clock.set(start);
    }
  });

  it('"Set an expiry date if the token is for a short-lived use"', async () => {
    const at = new Date(s.t.clock.now().getTime() + 2 * DAY_MS).toISOString();
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'short-lived', scopes: ['issues:read'], expiresAt: at }));
    expect(pat.expiresAt).toBe(at);
    const start = s.t.clock.now();
    s.t.clock.advance(3 * DAY_MS);
    try {
      expectProblem(await api.get('/v1/me', pat.token), 401, 'unauthorized');
    } finally {
      s.t.clock.set(start);
    }
  });

  it('"Causeloop issues a new secret and immediately invalidates the old one"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'rotating', scopes: ['issues:read'] }));
    const rolled = ok(await api.post(`/v1/api-tokens/${pat.id}/roll`, member.session));
    expect(rolled.token).not.toBe(pat.token);
    ok(await api.get('/v1/me', rolled.token));
    expectProblem(await api.get('/v1/me', pat.token), 401, 'unauthorized');
  });

  it('"Copy the new secret from the dialog before closing it"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'copy it', scopes: ['issues:read'] }));
    const rolled = ok(await api.post(`/v1/api-tokens/${pat.id}/roll`, member.session));
    const shown = JSON.stringify([ok(await api.get(`/v1/api-tokens/${pat.id}`, member.session)), ok(await api.get('/v1/api-tokens', member.session))]);
    expect(shown).not.toContain(rolled.token);
    expect(shown).toContain(rolled.prefix);
  });

  it('"The token is invalidated immediately and all subsequent requests using it return 401 unauthorized"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'to revoke', scopes: ['issues:read', 'tokens:read'] }));
    ok(await api.get('/v1/api-tokens', pat.token));
    ok(await api.del(`/v1/api-tokens/${pat.id}`, member.session));
    for (const url of ['/v1/me', '/v1/api-tokens', '/v1/api-tokens/scopes']) {
      const body = expectProblem(await api.get(url, pat.token), 401, 'unauthorized');
      expect(body.detail).not.toMatch(/revoked/i);
    }
    // The host API's verification still learns why.
    expect((await verify(s.t, owner, pat.token)).code).toBe('REVOKED');
  });

  it('"Revoked tokens cannot be re-activated; create a new token if you need access again"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'one-shot', scopes: ['issues:read'] }));
    ok(await api.del(`/v1/api-tokens/${pat.id}`, member.session));
    expectProblem(await api.post(`/v1/api-tokens/${pat.id}/roll`, member.session), 409, 'token_inactive');
    expect(ok(await api.del(`/v1/api-tokens/${pat.id}`, member.session)).status).toBe('revoked');
    expect(ok(await api.get(`/v1/api-tokens/${pat.id}`, member.session)).status).toBe('revoked');
    const again = ok(await api.post('/v1/api-tokens', member.session, { name: 'one-shot', scopes: ['issues:read'] }));
    expect(again.id).not.toBe(pat.id);
    expect((await verify(s.t, owner, again.token)).code).toBe('VALID');
  });

  it('"You can retrieve the current scope catalogue from GET /v1/api-tokens/scopes"', async () => {
    const catalogue = ok(await api.get('/v1/api-tokens/scopes', memberPat.token));
    const described = Object.fromEntries(catalogue.data.map((e: { scope: string; description: string }) => [e.scope, e.description]));
    expect(described).toMatchObject({
      'issues:read': 'Read issues and their analysis',
      'issues:write': 'Create and update issues',
      'patterns:read': 'Read patterns',
      'patterns:write': 'Write patterns',
      'predictions:read': 'Read predictions',
      'predictions:write': 'Write predictions',
      'recommendations:read': 'Read recommendations',
      'recommendations:write': 'Write recommendations',
    });
  });

  it('"Data · Integrations · Workspace · AI & Reports · Admin"', async () => {
    const catalogue = ok(await api.get('/v1/api-tokens/scopes', owner));
    const categories = catalogue.categories.map((c: { name: string }) => c.name);
    expect([...categories].sort()).toEqual(['AI & Reports', 'Admin', 'Data', 'Integrations', 'Workspace']);
    const of = (name: string) => catalogue.categories.find((c: { name: string }) => c.name === name).scopes.map((e: { scope: string }) => e.scope);
    expect(of('Data')).toEqual(['issues:read', 'issues:write', 'patterns:read', 'patterns:write']);
    expect(of('AI & Reports')).toEqual(['predictions:read', 'predictions:write', 'recommendations:read', 'recommendations:write']);
    expect(of('Admin')).toContain('workspace:admin');
  });

  it('"Service accounts are workspace-level machine principals"', async () => {
    const sa = await newAccount('machine');
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'machine token' }));
    const answer = await verify(s.t, owner, issued.token, { scope: 'issues:read' });
    expect(answer.principal).toEqual({ type: 'service_account', id: sa.id, name: 'machine' });
    expect(answer.principal).not.toHaveProperty('email');
  });

  it('"not tied to any user and remain active even if the user who created them leaves the workspace"', async () => {
    const creator = await join(s.t, owner, 'tenant_admin');
    const creatorPat = ok(await api.post('/v1/api-tokens', creator.session, { name: 'creator cli' }));
    const sa = ok(await api.post('/v1/service-accounts', creatorPat.token, { name: 'outlives', scopes: ['issues:read'] }));
    const viaPat = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, creatorPat.token, { name: 'via pat' }));
    const viaSession = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, creator.session, { name: 'via session' }));
    ok(await api.del(`/v1/members/${creator.userId}`, owner));
    expect((await verify(s.t, owner, creatorPat.token)).code).toBe('REVOKED');
    expect(ok(await api.get(`/v1/service-accounts/${sa.id}`, owner)).name).toBe('outlives');
    expect((await verify(s.t, owner, viaPat.token, { scope: 'issues:read' })).code).toBe('VALID');
    expect((await verify(s.t, owner, viaSession.token, { scope: 'issues:read' })).code).toBe('VALID');
  });

  it('"Creating and managing service accounts requires the workspace:admin scope (Tenant Admin role)"', async () => {
    const roles = ok(await api.get('/v1/roles', owner)).data;
    expect(roles.find((r: { name: string }) => r.name === 'tenant_admin').scopes).toContain('workspace:admin');
    expect(roles.find((r: { name: string }) => r.name === 'member').scopes).not.toContain('workspace:admin');
    const sa = await newAccount('guarded');
    expectProblem(await api.post('/v1/service-accounts', member.session, { name: 'x', scopes: ['issues:read'] }), 403, 'forbidden');
    expectProblem(await api.patch(`/v1/service-accounts/${sa.id}`, member.session, { scopes: ['issues:write'] }), 403, 'forbidden');
    expectProblem(await api.post(`/v1/service-accounts/${sa.id}/tokens`, member.session, { name: 'x' }), 403, 'forbidden');
    expectProblem(await api.del(`/v1/service-accounts/${sa.id}`, member.session), 403, 'forbidden');
    // A token needs workspace:admin itself: a tenant admin's token narrowed without it cannot.
    const narrow = ok(await api.post('/v1/api-tokens', tenantAdmin.session, { name: 'no admin', scopes: ['service_accounts:manage', 'service_accounts:read', 'issues:read'] }));
    const body = expectProblem(await api.post('/v1/service-accounts', narrow.token, { name: 'y', scopes: ['issues:read'] }), 403, 'forbidden');
    expect(body.detail).toContain('workspace:admin');
    ok(await api.patch(`/v1/service-accounts/${sa.id}`, adminPat, { name: 'guarded still' }));
  });

  it('"Give the token a name"', async () => {
    const sa = await newAccount('needs names');
    const res = await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, {});
    expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([expect.objectContaining({ field: 'name' })]);
  });

  it('"The token secret is shown once. Copy it immediately."', async () => {
    const sa = await newAccount('shown once');
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'once' }));
    expect(issued.token).toMatch(/^lk_sat_/);
    const listed = ok(await api.get(`/v1/service-accounts/${sa.id}/tokens`, adminPat));
    expect(listed.data[0]).not.toHaveProperty('token');
    expect(JSON.stringify(listed)).not.toContain(issued.token);
  });

  it('"Tokens are associated with the service account\'s scopes at issuance time"', async () => {
    const sa = await newAccount('snapshot', ['issues:read', 'patterns:read']);
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'at issuance' }));
    expect(issued.scopes).toEqual(['issues:read', 'patterns:read']);
    expect((await verify(s.t, owner, issued.token, { scope: 'patterns:read' })).allowed).toBe(true);
  });

  it('"Changing the service account\'s scopes does not update already-issued tokens"', async () => {
    const sa = await newAccount('changing', ['issues:read', 'patterns:read']);
    const before = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'before' }));
    ok(await api.patch(`/v1/service-accounts/${sa.id}`, adminPat, { scopes: ['predictions:read'] }));
    // Narrowed away and widened: the issued token keeps exactly what it had.
    expect((await verify(s.t, owner, before.token, { scope: 'issues:read' })).allowed).toBe(true);
    expect((await verify(s.t, owner, before.token, { scope: 'patterns:read' })).allowed).toBe(true);
    expect((await verify(s.t, owner, before.token, { scope: 'predictions:read' })).allowed).toBe(false);
    const after = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'after' }));
    expect(after.scopes).toEqual(['predictions:read']);
  });

  it('"Click Revoke on an individual token entry under the service account. The token is invalidated immediately."', async () => {
    const sa = await newAccount('single revoke');
    const one = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'one' }));
    const two = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'two' }));
    ok(await api.get('/v1/me', one.token));
    expect(ok(await api.del(`/v1/service-accounts/${sa.id}/tokens/${one.id}`, adminPat)).status).toBe('revoked');
    expectProblem(await api.get('/v1/me', one.token), 401, 'unauthorized');
    ok(await api.get('/v1/me', two.token));
  });

  it('"All tokens associated with the account are revoked immediately"', async () => {
    const sa = await newAccount('deleted');
    const tokens = [];
    for (const name of ['a', 'b', 'c']) tokens.push(ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name })));
    ok(await api.get('/v1/me', tokens[0].token));
    expect(ok(await api.del(`/v1/service-accounts/${sa.id}`, adminPat))).toEqual({ deleted: true, revokedTokens: 3 });
    for (const t of tokens) expectProblem(await api.get('/v1/me', t.token), 401, 'unauthorized');
    expectProblem(await api.get(`/v1/service-accounts/${sa.id}`, adminPat), 404, 'not_found');
  });
});

describe('seed 002: API endpoints', () => {
  it('"GET /v1/api-tokens — List personal API tokens"', async () => {
    const listed = ok(await api.get('/v1/api-tokens', memberCli));
    expect(listed.data.map((t: { id: string }) => t.id)).toContain(memberPat.id);
    expect(listed.data.length).toBeGreaterThan(1);
    expect(listed.data.every((t: { ownerUserId: string }) => t.ownerUserId === member.userId)).toBe(true);
  });

  it('"POST /v1/api-tokens — Create a personal API token"', async () => {
    const res = await api.post('/v1/api-tokens', memberCli, { name: 'endpoint create', scopes: ['issues:read'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'endpoint create', kind: 'personal', scopes: ['issues:read'], token: expect.stringMatching(/^lk_pat_/) });
  });

  it('"POST /v1/api-tokens/{id}/roll — Rotate a token secret"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'endpoint roll', scopes: ['issues:read'] }));
    const res = await api.post(`/v1/api-tokens/${pat.id}/roll`, memberCli);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: pat.id, token: expect.stringMatching(/^lk_pat_/) });
  });

  it('"DELETE /v1/api-tokens/{id} — Revoke a token"', async () => {
    const pat = ok(await api.post('/v1/api-tokens', member.session, { name: 'endpoint revoke', scopes: ['issues:read'] }));
    const res = await api.del(`/v1/api-tokens/${pat.id}`, memberCli);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: pat.id, status: 'revoked' });
  });

  it('"GET /v1/api-tokens/scopes — List all available scopes"', async () => {
    const res = await api.get('/v1/api-tokens/scopes', memberCli);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((e: { scope: string }) => e.scope)).toEqual(expect.arrayContaining(['issues:read', 'recommendations:write', 'workspace:admin']));
  });

  it('"GET /v1/service-accounts — List service accounts"', async () => {
    const sa = await newAccount('endpoint list');
    const res = await api.get('/v1/service-accounts', adminPat);
    expect(res.statusCode).toBe(200);
    expect(res.json().data.map((x: { id: string }) => x.id)).toContain(sa.id);
  });

  it('"POST /v1/service-accounts — Create a service account"', async () => {
    const res = await api.post('/v1/service-accounts', adminPat, { name: 'endpoint create sa', scopes: ['issues:read', 'issues:write'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ id: expect.stringMatching(/^sa_/), name: 'endpoint create sa', scopes: ['issues:read', 'issues:write'] });
  });

  it('"DELETE /v1/service-accounts/{id} — Delete a service account"', async () => {
    const sa = await newAccount('endpoint delete');
    const res = await api.del(`/v1/service-accounts/${sa.id}`, adminPat);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ deleted: true });
  });

  it('"POST /v1/service-accounts/{id}/tokens — Issue a service account token"', async () => {
    const sa = await newAccount('endpoint issue');
    const res = await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'issued' });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ kind: 'service', serviceAccountId: sa.id, token: expect.stringMatching(/^lk_sat_/) });
  });

  it('"DELETE /v1/service-accounts/{id}/tokens/{tok_id} — Revoke a service account token"', async () => {
    const sa = await newAccount('endpoint revoke');
    const issued = ok(await api.post(`/v1/service-accounts/${sa.id}/tokens`, adminPat, { name: 'to revoke' }));
    const res = await api.del(`/v1/service-accounts/${sa.id}/tokens/${issued.id}`, adminPat);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: issued.id, status: 'revoked' });
  });
});
