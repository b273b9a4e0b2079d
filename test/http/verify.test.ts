import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/tokens/format.js';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
/** A token that may call the verify API and nothing else, as a host API would hold. */
let verifier: string;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
  verifier = (await mint(org.token, { name: 'host api', scopes: ['tokens:verify'] })).token;
});
afterAll(() => t.close());

async function mint(token: string, payload: Record<string, unknown>): Promise<{ id: string; token: string; name: string; prefix: string; expiresAt: string | null }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

let n = 0;
const fresh = (payload: Record<string, unknown> = {}) => mint(org.token, { name: `subject ${++n}`, ...payload });

async function verify(payload: Record<string, unknown>, caller = verifier) {
  const res = await request(t, { method: 'POST', url: '/v1/verify', token: caller, payload });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('POST /v1/verify', () => {
  it('VALID: the token, its principal, org and scopes; allowed when the scope is covered', async () => {
    const subject = await fresh({ scopes: ['issues:read', 'issues:write'], expiresIn: '30d' });
    const res = await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload: { token: subject.token, scope: 'issues:read' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      valid: true,
      code: 'VALID',
      allowed: true,
      token: { id: subject.id, name: subject.name, kind: 'personal', prefix: subject.prefix, expiresAt: subject.expiresAt },
      principal: { type: 'user', id: org.ownerId },
      org: { id: org.orgId },
      scopes: ['issues:read', 'issues:write'],
    });
    expect(res.body).not.toContain(subject.token);
  });

  it('VALID without a scope asked for', async () => {
    const subject = await fresh();
    expect(await verify({ token: subject.token })).toMatchObject({ valid: true, code: 'VALID', allowed: true });
  });

  it('FORBIDDEN: a valid token without the scope', async () => {
    const subject = await fresh({ scopes: ['issues:read'] });
    expect(await verify({ token: subject.token, scope: 'issues:write' })).toMatchObject({ valid: true, code: 'FORBIDDEN', allowed: false, token: { id: subject.id } });
    expect(await verify({ token: subject.token, scope: 'no:such' })).toMatchObject({ valid: true, code: 'FORBIDDEN', allowed: false });
  });

  it('checks the resource asked for against a resource-limited token', async () => {
    const subject = await fresh({ scopes: ['issues:read'], resources: ['site_1'] });
    expect((await verify({ token: subject.token, scope: 'issues:read', resource: 'site_1' })).code).toBe('VALID');
    expect((await verify({ token: subject.token, scope: 'issues:read', resource: 'site_2' })).code).toBe('FORBIDDEN');
    expect((await verify({ token: subject.token, scope: 'issues:read' })).code).toBe('FORBIDDEN');
  });

  it('MALFORMED: garbage, a wrong checksum, a truncated token, another prefix, an invitation', async () => {
    const subject = await fresh();
    const last = subject.token.at(-1)!;
    const cases = [
      'hello',
      '',
      subject.token.slice(0, -1) + (last === 'a' ? 'b' : 'a'),
      subject.token.slice(0, 20),
      subject.token + 'x',
      generateToken('cpt', 'pat'),
      generateToken('lk', 'inv'),
      `${subject.token} `,
    ];
    for (const token of cases) {
      const body = await verify({ token });
      expect(body, token).toMatchObject({ valid: false, code: 'MALFORMED', allowed: false, token: null, principal: null, org: null, scopes: [] });
    }
    expect((await me(subject.token)).statusCode).toBe(200);
  });

  it('NOT_FOUND: a well-formed token that was never issued', async () => {
    expect(await verify({ token: generateToken('lk', 'pat') })).toMatchObject({ valid: false, code: 'NOT_FOUND', token: null });
    expect(await verify({ token: generateToken('lk', 'sat') })).toMatchObject({ valid: false, code: 'NOT_FOUND' });
  });

  it("NOT_FOUND for another org's token, live or not, with nothing about it", async () => {
    const other = await createTestOrg(t);
    const theirs = await mint(other.token, { name: 'theirs' });
    expect(await verify({ token: theirs.token, scope: 'org:read' })).toEqual({ valid: false, code: 'NOT_FOUND', allowed: false, token: null, principal: null, org: null, scopes: [], grants: [] });
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${theirs.id}`, token: other.token });
    expect(await verify({ token: theirs.token })).toMatchObject({ code: 'NOT_FOUND', token: null });
    // …and the other org sees it as revoked.
    const otherVerifier = await mint(other.token, { name: 'their verifier', scopes: ['tokens:verify'] });
    expect((await verify({ token: theirs.token }, otherVerifier.token)).code).toBe('REVOKED');
    expect((await verify({ token: verifier }, otherVerifier.token)).code).toBe('NOT_FOUND');
  });

  it('REVOKED: a revoked token, and a rolled-away value once its grace period is over', async () => {
    const revoked = await fresh();
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${revoked.id}`, token: org.token });
    expect(await verify({ token: revoked.token })).toMatchObject({ valid: false, code: 'REVOKED', allowed: false, token: { id: revoked.id }, principal: null });

    const rolled = await fresh();
    const res = await request(t, { method: 'POST', url: `/v1/api-tokens/${rolled.id}/roll`, token: org.token, payload: { gracePeriodSeconds: 30 } });
    const newValue = res.json().token as string;
    expect((await verify({ token: rolled.token })).code).toBe('VALID');
    t.clock.advance(30_000);
    expect((await verify({ token: newValue })).code).toBe('VALID');
    expect((await verify({ token: rolled.token })).code).toBe('REVOKED');
  });

  it('EXPIRED: an expired token', async () => {
    const subject = await fresh({ expiresAt: new Date(t.clock.now().getTime() + 10_000).toISOString() });
    expect((await verify({ token: subject.token })).code).toBe('VALID');
    t.clock.advance(10_000);
    expect(await verify({ token: subject.token, scope: 'org:read' })).toMatchObject({ valid: false, code: 'EXPIRED', allowed: false, token: { id: subject.id, expiresAt: subject.expiresAt } });
  });

  it('SUSPENDED: the owner is suspended; VALID again once reactivated', async () => {
    const member = await addMember(t, org, 'member');
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { status: 'suspended' } });
    expect(await verify({ token: member.token })).toMatchObject({ valid: false, code: 'SUSPENDED', allowed: false });
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { status: 'active' } });
    expect(await verify({ token: member.token, scope: 'issues:read' })).toMatchObject({ code: 'VALID', principal: { id: member.userId } });
  });

  it('evaluates live: a role change shows in the very next answer', async () => {
    const member = await addMember(t, org, 'member');
    expect((await verify({ token: member.token, scope: 'issues:write' })).code).toBe('VALID');
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { role: 'viewer' } });
    expect((await verify({ token: member.token, scope: 'issues:write' })).code).toBe('FORBIDDEN');
    expect((await verify({ token: member.token, scope: 'issues:read' })).code).toBe('VALID');
  });

  it('counts as a use of the verified token, from the ip given', async () => {
    const subject = await fresh();
    await verify({ token: subject.token, ip: '198.51.100.4' });
    await t.deps.lastUse.flush();
    const view = (await request(t, { method: 'GET', url: `/v1/api-tokens/${subject.id}`, token: org.token })).json();
    expect(view.lastUsedIp).toBe('198.51.100.4');
    expect(view.lastUsedAt).toBe(t.clock.now().toISOString());
  });

  it('needs tokens:verify: other credentials get 403, nobody gets 401', async () => {
    const subject = await fresh();
    const noVerify = await fresh({ scopes: ['tokens:read'] });
    expectProblem(await request(t, { method: 'POST', url: '/v1/verify', token: noVerify.token, payload: { token: subject.token } }), 403, 'forbidden');
    const member = await addMember(t, org, 'member');
    expectProblem(await request(t, { method: 'POST', url: '/v1/verify', session: member.session, payload: { token: subject.token } }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'POST', url: '/v1/verify', payload: { token: subject.token } }), 401, 'unauthorized');
    // The owner's session holds every scope, tokens:verify included.
    expect((await request(t, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token: subject.token } })).json().code).toBe('VALID');
  });

  it('validates its body', async () => {
    for (const payload of [{}, { token: 42 }, { token: 'x', scope: '' }, { token: 'x', ip: 'not an ip' }, { token: 'x', extra: true }, { token: 'x'.repeat(2000) }]) {
      expectProblem(await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload }), 400, 'validation_failed');
    }
  });
});

function me(token: string) {
  return request(t, { method: 'GET', url: '/v1/me', token });
}
