// Service accounts: grants, tokens fixed at issuance and limited by the account's
// live grants, deletion revoking every token in the same transaction.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object, token = org.token) => request(t, { method: 'POST', url, token, payload });
const verify = async (token: string, scope: string) => (await post('/v1/verify', { token, scope })).json() as { valid: boolean; allowed: boolean; code: string; principal: { type: string } };

describe('service accounts', () => {
  it('creates, lists, gets and refuses duplicate names', async () => {
    const res = await post('/v1/service-accounts', { name: 'deployer', scopes: ['issues:read', 'issues:write'] });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ name: 'deployer', scopes: ['issues:read', 'issues:write'], resources: null });
    expectProblem(await post('/v1/service-accounts', { name: 'deployer', scopes: ['issues:read'] }), 409, 'name_taken');
    const list = (await request(t, { method: 'GET', url: '/v1/service-accounts', token: org.token })).json();
    expect(list.data.map((x: { id: string }) => x.id)).toContain(res.json().id);
    expectProblem(await post('/v1/service-accounts', { name: 'bad', scopes: ['nope:never'] }), 400, 'unknown_scope');
  });

  it('issues tokens with the account scopes at issuance; narrowing the account narrows them, widening does not widen them', async () => {
    const sa = (await post('/v1/service-accounts', { name: 'ci', scopes: ['issues:read', 'issues:write'] })).json();
    const issued = await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'pipeline' });
    expect(issued.statusCode).toBe(201);
    const token = issued.json();
    expect(token.token).toMatch(/^lk_sat_/);
    expect(token.serviceAccountId).toBe(sa.id);
    expect((await verify(token.token, 'issues:write')).allowed).toBe(true);
    expect((await verify(token.token, 'issues:write')).principal.type).toBe('service_account');

    // Narrow: the token loses issues:write on the next request.
    await request(t, { method: 'PATCH', url: `/v1/service-accounts/${sa.id}`, token: org.token, payload: { scopes: ['issues:read'] } });
    expect((await verify(token.token, 'issues:write')).allowed).toBe(false);
    expect((await verify(token.token, 'issues:read')).allowed).toBe(true);

    // Widen: the old token does not gain machines:read (fixed at issuance), a new one does.
    await request(t, { method: 'PATCH', url: `/v1/service-accounts/${sa.id}`, token: org.token, payload: { scopes: ['issues:read', 'issues:write', 'machines:read'] } });
    expect((await verify(token.token, 'machines:read')).allowed).toBe(false);
    expect((await verify(token.token, 'issues:write')).allowed).toBe(true);
    const fresh = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'fresh' })).json();
    expect((await verify(fresh.token, 'machines:read')).allowed).toBe(true);

    // A token cannot be issued beyond the account.
    expectProblem(await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'wide', scopes: ['tokens:manage'] }), 403, 'forbidden');
  });

  it('rolls and revokes its tokens', async () => {
    const sa = (await post('/v1/service-accounts', { name: 'roller', scopes: ['issues:read'] })).json();
    const token = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'r' })).json();
    const rolled = await post(`/v1/service-accounts/${sa.id}/tokens/${token.id}/roll`, {});
    expect(rolled.statusCode).toBe(200);
    expect(rolled.json().id).toBe(token.id);
    expect((await verify(rolled.json().token, 'issues:read')).code).toBe('VALID');
    expect((await verify(token.token, 'issues:read')).code).toBe('REVOKED');
    const revoked = await request(t, { method: 'DELETE', url: `/v1/service-accounts/${sa.id}/tokens/${token.id}`, token: org.token });
    expect(revoked.json().status).toBe('revoked');
    expect((await verify(rolled.json().token, 'issues:read')).code).toBe('REVOKED');
    // A token of another account is not reachable through this one.
    const other = (await post('/v1/service-accounts', { name: 'other', scopes: ['issues:read'] })).json();
    const otherToken = (await post(`/v1/service-accounts/${other.id}/tokens`, { name: 'o' })).json();
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/service-accounts/${sa.id}/tokens/${otherToken.id}`, token: org.token }), 404, 'not_found');
  });

  it('rolling a service-account token gives its secret only to a credential that holds all it can do, and outlives it', async () => {
    const sa = (await post('/v1/service-accounts', { name: 'powerful', scopes: ['org:manage', 'service_accounts:manage'] })).json();
    const token = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'p' })).json();
    const admin = await addMember(t, org, 'admin');
    // An admin lacks org:manage, so cannot take this token's new secret.
    expectProblem(await post(`/v1/service-accounts/${sa.id}/tokens/${token.id}/roll`, {}, admin.token), 403, 'forbidden');
    // A short-lived token, however narrow, cannot roll a token that never expires.
    const shortLived = (await post('/v1/api-tokens', { name: 'short', scopes: ['service_accounts:manage', 'org:manage'], expiresIn: '7d' })).json();
    expectProblem(await post(`/v1/service-accounts/${sa.id}/tokens/${token.id}/roll`, {}, shortLived.token), 403, 'forbidden');
    expect((await verify(token.token, 'org:manage')).code).toBe('VALID');
    // The owner can.
    expect((await post(`/v1/service-accounts/${sa.id}/tokens/${token.id}/roll`, {})).statusCode).toBe(200);
  });

  it('deleting an account revokes all its tokens in the same transaction', async () => {
    const sa = (await post('/v1/service-accounts', { name: 'temp', scopes: ['issues:read'] })).json();
    const one = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'one' })).json();
    const two = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 'two' })).json();
    const res = await request(t, { method: 'DELETE', url: `/v1/service-accounts/${sa.id}`, token: org.token });
    expect(res.json()).toEqual({ deleted: true, revokedTokens: 2 });
    expect((await verify(one.token, 'issues:read')).code).toBe('REVOKED');
    expect((await verify(two.token, 'issues:read')).code).toBe('REVOKED');
    expectProblem(await request(t, { method: 'GET', url: `/v1/service-accounts/${sa.id}`, token: org.token }), 404, 'not_found');
    const event = await t.deps.db.selectFrom('audit_events').selectAll().where('action', '=', 'service_account.deleted').where('target_id', '=', sa.id).executeTakeFirstOrThrow();
    expect(JSON.parse(event.metadata).revokedTokens).toEqual(expect.arrayContaining([one.id, two.id]));
    // The name is free again.
    expect((await post('/v1/service-accounts', { name: 'temp', scopes: ['issues:read'] })).statusCode).toBe(201);
  });

  it('survives the removal of the person who created it', async () => {
    const admin = await addMember(t, org, 'admin');
    const sa = (await post('/v1/service-accounts', { name: 'survivor', scopes: ['issues:read'] }, admin.token)).json();
    const token = (await post(`/v1/service-accounts/${sa.id}/tokens`, { name: 's' }, admin.token)).json();
    const removed = await request(t, { method: 'DELETE', url: `/v1/members/${admin.userId}`, token: org.token });
    expect(removed.statusCode).toBe(200);
    expect((await verify(admin.token, 'issues:read')).code).toBe('REVOKED');
    expect((await verify(token.token, 'issues:read')).allowed).toBe(true);
  });
});
