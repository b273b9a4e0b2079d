import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { DAY_MS } from '../../src/clock.js';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

let counter = 0;
const uniqueName = (base: string) => `${base} ${++counter}`;

/** Mints a personal token with `token` and returns the 201 body (fails the test otherwise). */
async function mint(token: string, payload: Record<string, unknown> = {}): Promise<{ id: string; token: string; name: string; prefix: string; expiresAt: string | null; scopes: string[] }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload: { name: uniqueName('t'), ...payload } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const me = (token: string) => request(t, { method: 'GET', url: '/v1/me', token });
const get = (token: string, id: string) => request(t, { method: 'GET', url: `/v1/api-tokens/${id}`, token });

describe('personal access tokens', () => {
  it('mints a token shown once, usable at once', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'ci', scopes: ['issues:read'], expiresIn: '30d' } });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const body = res.json();
    expect(body.token).toMatch(/^lk_pat_[0-9A-Za-z]{42}$/);
    expect(body.prefix).toBe(body.token.slice(0, 11));
    expect(body.id).toMatch(/^tok_/);
    expect(body).toMatchObject({ name: 'ci', kind: 'personal', scopes: ['issues:read'], status: 'active', lastUsedAt: null, lastUsedIp: null });
    expect(body.grants).toEqual([{ team: null, scopes: ['issues:read'], resources: null }]);
    expect(body.createdBy).toEqual({ type: 'token', id: org.tokenId });
    const me = await request(t, { method: 'GET', url: '/v1/me', token: body.token });
    expect(me.statusCode).toBe(200);
    expect(me.json().credential).toMatchObject({ type: 'token', id: body.id, name: 'ci' });
    expect(me.json().scopes).toEqual(['issues:read']);
    const got = await request(t, { method: 'GET', url: `/v1/api-tokens/${body.id}`, token: org.token });
    expect(got.json().token).toBeUndefined();
    expect(got.body).not.toContain(body.token);
    const list = await request(t, { method: 'GET', url: '/v1/api-tokens', token: org.token });
    expect(list.body).not.toContain(body.token);
  });

  it('accepts the token as X-API-Key too, and refuses other Authorization schemes', async () => {
    const viaKey = await request(t, { method: 'GET', url: '/v1/me', headers: { 'x-api-key': org.token } });
    expect(viaKey.statusCode).toBe(200);
    expect(viaKey.json().credential.id).toBe(org.tokenId);
    const basic = await request(t, { method: 'GET', url: '/v1/me', headers: { authorization: `Basic ${org.token}` } });
    expectProblem(basic, 401, 'invalid_token');
    const none = await request(t, { method: 'GET', url: '/v1/me' });
    const body = expectProblem(none, 401, 'unauthorized');
    expect(none.headers['www-authenticate']).toContain('Bearer');
    expect(body.type).toBe('/problems/unauthorized');
  });

  it('refuses a duplicate live name with 409 name_taken', async () => {
    await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'dup' } });
    const again = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'dup' } });
    expectProblem(again, 409, 'name_taken');
  });

  it('frees a name when its token is revoked, and names are per owner', async () => {
    const first = await mint(org.token, { name: 'reusable' });
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'reusable' } }), 409, 'name_taken');
    expect((await request(t, { method: 'DELETE', url: `/v1/api-tokens/${first.id}`, token: org.token })).statusCode).toBe(200);
    const second = await mint(org.token, { name: 'reusable' });
    expect(second.id).not.toBe(first.id);
    const admin = await addMember(t, org, 'admin');
    await mint(admin.token, { name: 'reusable' });
  });

  it('rejects unknown fields', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', admin: true } });
    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'admin', message: 'unknown field' }]);
  });

  it('requires a name', async () => {
    for (const payload of [{}, { name: '' }, { name: '   ' }, { name: 'a\u0000b' }, { name: 'x'.repeat(101) }, { name: 42 }]) {
      const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload });
      const body = expectProblem(res, 400, 'validation_failed');
      expect((body.errors as { field: string }[])[0]!.field).toBe('name');
    }
  });
});

describe('expiry', () => {
  it('sets expiresAt from expiresIn 30d, 90d and 1y', async () => {
    const now = t.clock.now().getTime();
    for (const [preset, days] of [['30d', 30], ['90d', 90], ['1y', 365]] as const) {
      const minted = await mint(org.token, { expiresIn: preset });
      expect(minted.expiresAt).toBe(new Date(now + days * DAY_MS).toISOString());
    }
  });

  it('takes an explicit expiresAt, and null means never', async () => {
    const at = new Date(t.clock.now().getTime() + 3 * DAY_MS).toISOString();
    expect((await mint(org.token, { expiresAt: at })).expiresAt).toBe(at);
    expect((await mint(org.token, { expiresIn: null })).expiresAt).toBeNull();
    expect((await mint(org.token, { expiresAt: null })).expiresAt).toBeNull();
    expect((await mint(org.token)).expiresAt).toBeNull();
  });

  it('refuses an expiry in the past, both forms at once, and unknown presets', async () => {
    const past = new Date(t.clock.now().getTime() - 1000).toISOString();
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'p', expiresAt: past } }), 400, 'invalid_expiry');
    const both = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'p', expiresIn: '30d', expiresAt: new Date(t.clock.now().getTime() + DAY_MS).toISOString() } });
    expectProblem(both, 400, 'invalid_expiry');
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'p', expiresIn: '2d' } }), 400, 'validation_failed');
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'p', expiresAt: 'tomorrow' } }), 400, 'validation_failed');
  });

  it('an expired token gets 401 token_expired and lists as expired', async () => {
    const minted = await mint(org.token, { expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() });
    expect((await me(minted.token)).statusCode).toBe(200);
    t.clock.advance(60_000);
    expectProblem(await me(minted.token), 401, 'token_expired');
    expect((await get(org.token, minted.id)).json().status).toBe('expired');
    const expired = await request(t, { method: 'GET', url: '/v1/api-tokens?status=expired', token: org.token });
    expect(expired.json().data.map((x: { id: string }) => x.id)).toContain(minted.id);
    const active = await request(t, { method: 'GET', url: '/v1/api-tokens?status=active&limit=200', token: org.token });
    expect(active.json().data.map((x: { id: string }) => x.id)).not.toContain(minted.id);
    // An expired token cannot be rolled back to life.
    expectProblem(await request(t, { method: 'POST', url: `/v1/api-tokens/${minted.id}/roll`, token: org.token, payload: {} }), 409, 'token_inactive');
  });

  it('a token minted by a token cannot expire later than its parent', async () => {
    const parent = await mint(org.token, { expiresIn: '30d' });
    const later = await request(t, { method: 'POST', url: '/v1/api-tokens', token: parent.token, payload: { name: 'child', expiresIn: '90d' } });
    expectProblem(later, 400, 'expiry_exceeds_parent');
    const never = await request(t, { method: 'POST', url: '/v1/api-tokens', token: parent.token, payload: { name: 'child', expiresIn: null } });
    expectProblem(never, 400, 'expiry_exceeds_parent');
    const inherited = await mint(parent.token, { name: 'child' });
    expect(inherited.expiresAt).toBe(parent.expiresAt);
    const sooner = await mint(parent.token, { name: 'child 2', expiresIn: '7d' });
    expect(sooner.expiresAt! < parent.expiresAt!).toBe(true);
  });
});

describe('scopes and narrowing', () => {
  it('a narrowed token can do only what it names', async () => {
    const narrow = await mint(org.token, { scopes: ['org:read'] });
    expect((await me(narrow.token)).json().scopes).toEqual(['org:read']);
    expect((await request(t, { method: 'GET', url: '/v1/org', token: narrow.token })).statusCode).toBe(200);
    const denied = expectProblem(await request(t, { method: 'GET', url: '/v1/members', token: narrow.token }), 403, 'forbidden');
    expect(denied.detail).toContain('members:read');
    expectProblem(await request(t, { method: 'GET', url: '/v1/api-tokens', token: narrow.token }), 403, 'forbidden');
  });

  it('a narrowed token cannot mint a wider one, and one minted without scopes keeps the narrowing', async () => {
    const minter = await mint(org.token, { scopes: ['tokens:manage', 'issues:read'] });
    const wider = await request(t, { method: 'POST', url: '/v1/api-tokens', token: minter.token, payload: { name: 'wider', scopes: ['issues:write'] } });
    const body = expectProblem(wider, 403, 'forbidden');
    expect(body.detail).toContain('issues:write');
    const child = await mint(minter.token);
    expect(child.scopes).toEqual(['issues:read', 'tokens:manage']);
    expect((await me(child.token)).json().scopes).toEqual(['issues:read', 'tokens:manage']);
    const narrower = await mint(minter.token, { name: 'narrower', scopes: ['issues:read'] });
    expect((await me(narrower.token)).json().scopes).toEqual(['issues:read']);
  });

  it('refuses a scope the owner lacks with 403 forbidden naming the scope', async () => {
    const member = await addMember(t, org, 'member');
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', session: member.session, payload: { name: 'x', scopes: ['issues:read', 'members:manage'] } });
    const body = expectProblem(res, 403, 'forbidden');
    expect(body.detail).toContain('members:manage');
    expect(body.detail).not.toContain('issues:read');
    expect(body.errors).toEqual([{ field: 'scopes', message: 'not within your permissions: members:manage' }]);
    const ok = await request(t, { method: 'POST', url: '/v1/api-tokens', session: member.session, payload: { name: 'x', scopes: ['issues:read'] } });
    expect(ok.statusCode).toBe(201);
  });

  it('refuses an unknown scope with 400 unknown_scope naming it', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', scopes: ['issues:read', 'rockets:launch'] } });
    const body = expectProblem(res, 400, 'unknown_scope');
    expect(body.detail).toContain('rockets:launch');
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', scopes: ['NOT A SCOPE'] } }), 400, 'validation_failed');
  });

  it('limits a token to resources', async () => {
    const minted = await mint(org.token, { scopes: ['issues:read'], resources: ['site_1'] });
    expect((await get(org.token, minted.id)).json().grants).toEqual([{ team: null, scopes: ['issues:read'], resources: ['site_1'] }]);
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', resources: ['site_1'] } }), 400, 'validation_failed');
  });

  it('a token that inherits follows its owner, and says so', async () => {
    const minted = await mint(org.token);
    const view = (await get(org.token, minted.id)).json();
    expect(view.inheritsOwnerPermissions).toBe(true);
    expect(view.scopes).toContain('org:manage');
  });

  it('serves the scope catalogue by category and the roles', async () => {
    const scopes = await request(t, { method: 'GET', url: '/v1/api-tokens/scopes', token: org.token });
    expect(scopes.statusCode).toBe(200);
    const catalogue = scopes.json();
    const names = catalogue.data.map((s: { scope: string }) => s.scope);
    expect(names).toEqual(expect.arrayContaining(['org:read', 'tokens:manage', 'tokens:verify', 'audit:read', 'issues:read', 'machines:read']));
    expect(catalogue.nextCursor).toBeNull();
    const fleet = catalogue.categories.find((c: { name: string }) => c.name === 'Fleet');
    expect(fleet.scopes).toEqual([{ scope: 'machines:read', category: 'Fleet', description: 'List machines' }]);

    const roles = await request(t, { method: 'GET', url: '/v1/roles', token: org.token });
    expect(roles.statusCode).toBe(200);
    const byName = Object.fromEntries(roles.json().data.map((r: { name: string; scopes: string[] }) => [r.name, r.scopes]));
    expect(Object.keys(byName)).toEqual(['owner', 'admin', 'member', 'viewer']);
    expect(byName.owner).toContain('org:manage');
    expect(byName.admin).not.toContain('org:manage');
    expect(byName.viewer).toEqual(expect.arrayContaining(['org:read', 'issues:read', 'machines:read']));
    expect(byName.viewer).not.toContain('issues:write');
    expectProblem(await request(t, { method: 'GET', url: '/v1/roles' }), 401, 'unauthorized');
    expectProblem(await request(t, { method: 'GET', url: '/v1/api-tokens/scopes' }), 401, 'unauthorized');
  });
});

describe('GET /v1/me', () => {
  it('describes a token caller', async () => {
    const body = (await me(org.token)).json();
    expect(body.principal).toEqual({ type: 'user', id: org.ownerId, name: expect.any(String), email: org.ownerEmail });
    expect(body.org).toMatchObject({ id: org.orgId, plan: expect.any(String), name: expect.any(String) });
    expect(body.credential).toMatchObject({ type: 'token', id: org.tokenId, prefix: org.token.slice(0, 11) });
    expect(body.role).toBe('owner');
    expect(body.scopes).toContain('tokens:manage');
  });

  it('describes a session caller', async () => {
    const admin = await addMember(t, org, 'admin');
    const res = await request(t, { method: 'GET', url: '/v1/me', session: admin.session });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ principal: { type: 'user', id: admin.userId, email: admin.email }, credential: { type: 'session' }, role: 'admin', org: { id: org.orgId } });
    expect(res.json().scopes).not.toContain('org:manage');
  });
});

describe('list, get, revoke', () => {
  it('lists only the caller’s own tokens in pages of {data, nextCursor}', async () => {
    const fresh = await createTestOrg(t);
    const ids = [fresh.tokenId];
    for (let i = 0; i < 4; i++) ids.push((await mint(fresh.token)).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url: string = `/v1/api-tokens?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await request(t, { method: 'GET', url, token: fresh.token });
      expect(res.statusCode).toBe(200);
      const page = res.json() as { data: { id: string; token?: string }[]; nextCursor: string | null };
      expect(page.data.length).toBeLessThanOrEqual(2);
      for (const item of page.data) expect(item.token).toBeUndefined();
      seen.push(...page.data.map((x) => x.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect([...seen].sort()).toEqual([...ids].sort());
    // Nobody else's tokens, in this org or another.
    expect(seen).not.toContain(org.tokenId);
  });

  it('hides other users’ and other orgs’ tokens as 404', async () => {
    const other = await createTestOrg(t);
    expectProblem(await get(org.token, other.tokenId), 404, 'not_found');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/api-tokens/${other.tokenId}`, token: org.token }), 404, 'not_found');
    expectProblem(await request(t, { method: 'POST', url: `/v1/api-tokens/${other.tokenId}/roll`, token: org.token, payload: {} }), 404, 'not_found');
    const admin = await addMember(t, org, 'admin');
    expectProblem(await get(admin.token, org.tokenId), 404, 'not_found');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/api-tokens/${org.tokenId}`, token: admin.token }), 404, 'not_found');
    expect((await me(org.token)).statusCode).toBe(200);
  });

  it('revokes at once and for good; a revoked token gets 401 and lists as revoked', async () => {
    const minted = await mint(org.token);
    expect((await me(minted.token)).statusCode).toBe(200);
    const res = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: minted.id, status: 'revoked', revokedAt: expect.any(String) });
    expectProblem(await me(minted.token), 401, 'token_revoked');
    expect((await get(org.token, minted.id)).json().status).toBe('revoked');
    const revoked = await request(t, { method: 'GET', url: '/v1/api-tokens?status=revoked', token: org.token });
    expect(revoked.json().data.map((x: { id: string }) => x.id)).toContain(minted.id);
    // Revoking again changes nothing; rolling cannot bring it back.
    const again = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    expect(again.json().revokedAt).toBe(res.json().revokedAt);
    expectProblem(await request(t, { method: 'POST', url: `/v1/api-tokens/${minted.id}/roll`, token: org.token, payload: {} }), 409, 'token_inactive');
    expectProblem(await me(minted.token), 401, 'token_revoked');
  });

  it('a token can revoke itself', async () => {
    const minted = await mint(org.token, { scopes: ['tokens:manage'] });
    expect((await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: minted.token })).statusCode).toBe(200);
    expectProblem(await me(minted.token), 401, 'token_revoked');
  });

  it('needs tokens:read to list and tokens:manage to change, when a token acts', async () => {
    const reader = await mint(org.token, { scopes: ['tokens:read'] });
    expect((await request(t, { method: 'GET', url: '/v1/api-tokens', token: reader.token })).statusCode).toBe(200);
    expect((await get(reader.token, reader.id)).statusCode).toBe(200);
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: reader.token, payload: { name: 'x' } }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/api-tokens/${reader.id}`, token: reader.token }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'POST', url: `/v1/api-tokens/${reader.id}/roll`, token: reader.token, payload: {} }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: reader.token, payload: {} }), 403, 'forbidden');
    expect((await me(reader.token)).statusCode).toBe(200);
  });
});

describe('roll', () => {
  async function roll(id: string, payload?: unknown): Promise<LightMyRequestResponse> {
    return request(t, { method: 'POST', url: `/v1/api-tokens/${id}/roll`, token: org.token, ...(payload === undefined ? {} : { payload: payload as object }) });
  }

  it('without a grace period: new secret, same id and name; the old value stops at once', async () => {
    const minted = await mint(org.token, { scopes: ['org:read'], expiresIn: '30d' });
    const res = await roll(minted.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const rolled = res.json();
    expect(rolled).toMatchObject({ id: minted.id, name: minted.name, expiresAt: minted.expiresAt, scopes: ['org:read'], status: 'active', rolledAt: expect.any(String) });
    expect(rolled.token).toMatch(/^lk_pat_/);
    expect(rolled.token).not.toBe(minted.token);
    expect(rolled.prefix).toBe(rolled.token.slice(0, 11));
    expect((await me(rolled.token)).json().credential.id).toBe(minted.id);
    expect((await get(org.token, minted.id)).json().prefix).toBe(rolled.prefix);
    // The old value is refused, and presenting it is reuse (SPEC §10): the token dies, its new value too.
    expectProblem(await me(minted.token), 401, 'token_revoked');
    expectProblem(await me(rolled.token), 401, 'token_revoked');
  });

  it('with gracePeriodSeconds: the old value works during the grace period and not after', async () => {
    const minted = await mint(org.token);
    const res = await roll(minted.id, { gracePeriodSeconds: 60 });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().token as string;
    expect((await me(minted.token)).statusCode).toBe(200);
    expect((await me(fresh)).statusCode).toBe(200);
    t.clock.advance(59_000);
    expect((await me(minted.token)).statusCode).toBe(200);
    t.clock.advance(1_000);
    expect((await me(fresh)).statusCode).toBe(200);
    expectProblem(await me(minted.token), 401, 'token_revoked');
    expectProblem(await me(fresh), 401, 'token_revoked');
  });

  it('rolling again ends an earlier grace period at once', async () => {
    const minted = await mint(org.token);
    const first = (await roll(minted.id, { gracePeriodSeconds: 3600 })).json().token as string;
    const second = (await roll(minted.id, { gracePeriodSeconds: 3600 })).json().token as string;
    expect((await me(first)).statusCode).toBe(200);
    expect((await me(second)).statusCode).toBe(200);
    expectProblem(await me(minted.token), 401, 'token_revoked');
  });

  it('revoking a token ends its grace period too', async () => {
    const minted = await mint(org.token);
    await roll(minted.id, { gracePeriodSeconds: 3600 });
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    expectProblem(await me(minted.token), 401, 'token_revoked');
  });

  it('a narrowed token cannot roll a wider token of its owner: that would hand it the wider secret', async () => {
    const wide = await mint(org.token);
    const narrow = await mint(org.token, { scopes: ['tokens:manage'] });
    const res = await request(t, { method: 'POST', url: `/v1/api-tokens/${wide.id}/roll`, token: narrow.token, payload: {} });
    const body = expectProblem(res, 403, 'forbidden');
    expect(body.detail).toContain('org:manage');
    expect(res.body).not.toMatch(/lk_pat_/);
    expect((await me(wide.token)).statusCode).toBe(200);
    // Its own value, or a token at most as wide, it may roll.
    const narrower = await mint(narrow.token, { scopes: ['tokens:manage'] });
    expect((await request(t, { method: 'POST', url: `/v1/api-tokens/${narrower.id}/roll`, token: narrow.token, payload: {} })).statusCode).toBe(200);
    expect((await request(t, { method: 'POST', url: `/v1/api-tokens/${narrow.id}/roll`, token: narrow.token, payload: {} })).statusCode).toBe(200);
  });

  it('an expiring token cannot roll a token that outlives it', async () => {
    const forever = await mint(org.token);
    const later = await mint(org.token, { expiresIn: '90d' });
    const shortLived = await mint(org.token, { expiresIn: '30d' });
    for (const target of [forever, later]) {
      expectProblem(await request(t, { method: 'POST', url: `/v1/api-tokens/${target.id}/roll`, token: shortLived.token, payload: {} }), 403, 'forbidden');
    }
    const sooner = await mint(shortLived.token, { expiresIn: '7d' });
    expect((await request(t, { method: 'POST', url: `/v1/api-tokens/${sooner.id}/roll`, token: shortLived.token, payload: {} })).statusCode).toBe(200);
    // A person at the dashboard rolls anything of theirs.
    expect((await request(t, { method: 'POST', url: `/v1/api-tokens/${forever.id}/roll`, token: org.token, payload: {} })).statusCode).toBe(200);
  });

  it('nobody rolls their way into a wider secret through the org-wide roll either', async () => {
    const fresh = await createTestOrg(t);
    const admin = await addMember(t, fresh, 'admin');
    const member = await addMember(t, fresh, 'member');
    // The owner's token holds org:manage, which an admin lacks.
    const ownersToken = await request(t, { method: 'POST', url: `/v1/tokens/${fresh.tokenId}/roll`, session: admin.session, payload: {} });
    expectProblem(ownersToken, 403, 'forbidden');
    expect(ownersToken.body).not.toMatch(/lk_pat_/);
    expect((await me(fresh.token)).statusCode).toBe(200);
    // An org API key with the owner role, likewise.
    const ownerKey = await request(t, { method: 'POST', url: '/v1/tokens', token: fresh.token, payload: { name: 'owner key', role: 'owner' } });
    expect(ownerKey.statusCode, ownerKey.body).toBe(201);
    expectProblem(await request(t, { method: 'POST', url: `/v1/tokens/${ownerKey.json().id}/roll`, token: admin.token, payload: {} }), 403, 'forbidden');
    // Within the admin's own permissions, it works.
    expect((await request(t, { method: 'POST', url: `/v1/tokens/${member.tokenId}/roll`, session: admin.session, payload: {} })).statusCode).toBe(200);
    expect((await request(t, { method: 'POST', url: `/v1/tokens/${ownerKey.json().id}/roll`, token: fresh.token, payload: {} })).statusCode).toBe(200);
  });

  it('refuses a grace period above 86400 seconds or below 0', async () => {
    const minted = await mint(org.token);
    expectProblem(await roll(minted.id, { gracePeriodSeconds: 86_401 }), 400, 'validation_failed');
    expectProblem(await roll(minted.id, { gracePeriodSeconds: -1 }), 400, 'validation_failed');
    expectProblem(await roll(minted.id, { gracePeriodSeconds: '60' }), 400, 'validation_failed');
    expect((await me(minted.token)).statusCode).toBe(200);
    expect((await roll(minted.id, { gracePeriodSeconds: 86_400 })).statusCode).toBe(200);
  });
});

describe('org API keys in views', () => {
  it('a key with a fixed role shows the role’s scopes, as it holds them', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/tokens', token: org.token, payload: { name: uniqueName('viewer key'), role: 'viewer' } });
    expect(res.statusCode, res.body).toBe(201);
    const held = (await me(res.json().token)).json().scopes as string[];
    expect(held).toContain('org:read');
    expect(res.json().scopes).toEqual(held);
    expect((await request(t, { method: 'GET', url: `/v1/tokens/${res.json().id}`, token: org.token })).json().scopes).toEqual(held);
  });
});

describe('revoke all', () => {
  it("revokes every one of the caller's personal tokens and nobody else's", async () => {
    const fresh = await createTestOrg(t);
    const a = await mint(fresh.token);
    const b = await mint(fresh.token, { expiresIn: '30d' });
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: fresh.token, payload: {} });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 3 });
    for (const token of [fresh.token, a.token, b.token]) expectProblem(await me(token), 401, 'token_revoked');
    expect((await me(org.token)).statusCode).toBe(200);
  });

  it('works with an empty body too', async () => {
    const fresh = await createTestOrg(t);
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: fresh.token });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ revoked: 1 });
  });
});

describe('org policy at mint', () => {
  async function orgWithPolicy(policy: Record<string, unknown>): Promise<TestOrg> {
    const fresh = await createTestOrg(t);
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: fresh.token, payload: { policy } });
    expect(res.statusCode, res.body).toBe(200);
    return fresh;
  }

  it('maxPersonalTokensPerUser: 409 token_limit_reached, and a revoked token frees its place', async () => {
    const fresh = await orgWithPolicy({ maxPersonalTokensPerUser: 2 });
    const second = await mint(fresh.token);
    const third = await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'third' } });
    expectProblem(third, 409, 'token_limit_reached');
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${second.id}`, token: fresh.token });
    expect((await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'third' } })).statusCode).toBe(201);
  });

  it('requireExpiry: 400 expiry_required without an expiry', async () => {
    const fresh = await orgWithPolicy({ requireExpiry: true });
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'forever' } });
    const body = expectProblem(res, 400, 'expiry_required');
    expect((body.errors as { field: string }[])[0]!.field).toBe('expiresAt');
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'forever', expiresIn: null } }), 400, 'expiry_required');
    await mint(fresh.token, { expiresIn: '1y' });
  });

  it('maxLifetimeDays: 400 lifetime_exceeded beyond it', async () => {
    const fresh = await orgWithPolicy({ maxLifetimeDays: 30 });
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'long', expiresIn: '90d' } }), 400, 'lifetime_exceeded');
    const justOver = new Date(t.clock.now().getTime() + 30 * DAY_MS + 1000).toISOString();
    expectProblem(await request(t, { method: 'POST', url: '/v1/api-tokens', token: fresh.token, payload: { name: 'long', expiresAt: justOver } }), 400, 'lifetime_exceeded');
    await mint(fresh.token, { expiresIn: '30d' });
  });
});

describe('last use', () => {
  it('records lastUsedAt, lastUsedIp and lastUserAgent once flushed, and a token.used audit event', async () => {
    const minted = await mint(org.token);
    expect((await get(org.token, minted.id)).json().lastUsedAt).toBeNull();
    const used = await request(t, { method: 'GET', url: '/v1/me', token: minted.token, headers: { 'user-agent': 'deploy-bot/1.2' }, remoteAddress: '203.0.113.7' });
    expect(used.statusCode).toBe(200);
    const usedAt = t.clock.now().toISOString();
    await t.deps.lastUse.flush();
    const view = (await get(org.token, minted.id)).json();
    expect(view).toMatchObject({ lastUsedAt: usedAt, lastUsedIp: '203.0.113.7', lastUserAgent: 'deploy-bot/1.2' });
    const events = await request(t, { method: 'GET', url: `/v1/audit-events?action=token.used&token=${minted.id}`, token: org.token });
    const [event] = events.json().data;
    expect(event).toMatchObject({ action: 'token.used', actor: { type: 'token', id: minted.id, name: minted.name, prefix: minted.prefix }, target: { id: minted.id }, ip: '203.0.113.7', userAgent: 'deploy-bot/1.2' });
    expect(event.metadata.count).toBe(1);
  });

  it('counts several uses in one batch', async () => {
    const minted = await mint(org.token);
    for (let i = 0; i < 3; i++) await me(minted.token);
    await t.deps.lastUse.flush();
    const events = await request(t, { method: 'GET', url: `/v1/audit-events?action=token.used&token=${minted.id}`, token: org.token });
    expect(events.json().data).toHaveLength(1);
    expect(events.json().data[0].metadata.count).toBe(3);
  });

  it('does not count a refused token as used', async () => {
    const minted = await mint(org.token);
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    await me(minted.token);
    await t.deps.lastUse.flush();
    expect((await get(org.token, minted.id)).json().lastUsedAt).toBeNull();
  });
});
