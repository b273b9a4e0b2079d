// POST /v1/verify/batch: each result equals what POST /v1/verify answers for that
// item alone, for every code, in order; the batch itself is bounded and needs
// tokens:verify.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/tokens/format.js';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let verifier: string;
let n = 0;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
  verifier = (await mint({ name: 'host api', scopes: ['tokens:verify'] })).token;
});
afterAll(() => t.close());

async function mint(payload: Record<string, unknown>, token = org.token): Promise<{ id: string; token: string }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload: { name: `batch ${++n}`, ...payload } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

async function single(item: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload: item });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function batch(items: Record<string, unknown>[], caller = verifier) {
  return request(t, { method: 'POST', url: '/v1/verify/batch', token: caller, payload: { requests: items } });
}

describe('POST /v1/verify/batch', () => {
  it('answers every code exactly as single verification does, in order', async () => {
    const valid = await mint({ scopes: ['issues:read'] });
    const limited = await mint({ scopes: ['issues:read'], resources: ['repo_1'] });
    const revoked = await mint({});
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${revoked.id}`, token: org.token });
    const expiring = await mint({ expiresAt: new Date(t.clock.now().getTime() + 1000).toISOString() });
    const member = await addMember(t, org, 'member');
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { status: 'suspended' } });
    t.clock.advance(1000);
    const other = await createTestOrg(t);

    const table: [string, Record<string, unknown>][] = [
      ['VALID', { token: valid.token, scope: 'issues:read' }],
      ['VALID', { token: valid.token }],
      ['FORBIDDEN', { token: valid.token, scope: 'issues:write' }],
      ['VALID', { token: limited.token, scope: 'issues:read', resource: 'repo_1' }],
      ['FORBIDDEN', { token: limited.token, scope: 'issues:read', resource: 'repo_2' }],
      ['NOT_FOUND', { token: generateToken('lk', 'pat') }],
      ['NOT_FOUND', { token: other.token }],
      ['MALFORMED', { token: 'hello' }],
      ['MALFORMED', { token: generateToken('lk', 'inv') }],
      ['REVOKED', { token: revoked.token }],
      ['EXPIRED', { token: expiring.token, scope: 'org:read' }],
      ['SUSPENDED', { token: member.token }],
    ];
    const res = await batch(table.map(([, item]) => item));
    expect(res.statusCode, res.body).toBe(200);
    const { results } = res.json() as { results: Record<string, unknown>[] };
    expect(results).toHaveLength(table.length);
    for (const [index, [code, item]] of table.entries()) {
      expect(results[index]!.code, `item ${index}`).toBe(code);
      expect(results[index], `item ${index}`).toEqual(await single(item));
    }
    for (const [, item] of table) expect(res.body).not.toContain(item.token as string);
  });

  it('takes up to 100 and refuses more, or none, with a problem naming the field', async () => {
    const subject = await mint({});
    const hundred = Array.from({ length: 100 }, () => ({ token: subject.token }));
    const ok = await batch(hundred);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().results.every((r: { code: string }) => r.code === 'VALID')).toBe(true);
    const over = expectProblem(await batch([...hundred, { token: subject.token }]), 400, 'validation_failed');
    expect(JSON.stringify(over.errors)).toContain('requests');
    expectProblem(await batch([]), 400, 'validation_failed');
    expectProblem(await batch([{ token: subject.token, extra: 1 }]), 400, 'validation_failed');
  });

  it('needs tokens:verify, like single verification', async () => {
    const narrow = await mint({ scopes: ['issues:read'] });
    expectProblem(await batch([{ token: narrow.token }], narrow.token), 403, 'forbidden');
    expectProblem(await request(t, { method: 'POST', url: '/v1/verify/batch', payload: { requests: [{ token: narrow.token }] } }), 401, 'unauthorized');
  });
});
