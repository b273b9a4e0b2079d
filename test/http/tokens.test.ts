import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

describe('personal access tokens', () => {
  it('mints a token shown once, usable at once', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'ci', scopes: ['issues:read'], expiresIn: '30d' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.token).toMatch(/^lk_pat_[0-9A-Za-z]{42}$/);
    expect(body.prefix).toBe(body.token.slice(0, 11));
    expect(body.scopes).toEqual(['issues:read']);
    expect(body.status).toBe('active');
    const me = await request(t, { method: 'GET', url: '/v1/me', token: body.token });
    expect(me.statusCode).toBe(200);
    expect(me.json().credential).toMatchObject({ type: 'token', id: body.id, name: 'ci' });
    expect(me.json().scopes).toEqual(['issues:read']);
    const got = await request(t, { method: 'GET', url: `/v1/api-tokens/${body.id}`, token: org.token });
    expect(got.json().token).toBeUndefined();
  });

  it('refuses a duplicate live name with 409 name_taken', async () => {
    await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'dup' } });
    const again = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'dup' } });
    expectProblem(again, 409, 'name_taken');
  });

  it('rejects unknown fields', async () => {
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'x', admin: true } });
    const body = expectProblem(res, 400, 'validation_failed');
    expect(body.errors).toEqual([{ field: 'admin', message: 'unknown field' }]);
  });
});
