import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
const clock = new ManualClock('2030-03-10T12:00:00.000Z');

beforeAll(async () => {
  t = await createTestApp({ clock });
  org = await createTestOrg(t);
});
afterAll(() => t.close());

async function mint(name: string): Promise<{ id: string; token: string }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const use = (token: string, ip: string) => request(t, { method: 'GET', url: '/v1/me', token, remoteAddress: ip });

describe('token usage', () => {
  it('counts uses per UTC day with zeros, and lists the last five distinct IPs, most recent first', async () => {
    const minted = await mint('charted');
    clock.set('2030-03-08T23:59:00.000Z');
    await use(minted.token, '10.0.0.1');
    await use(minted.token, '10.0.0.2');
    clock.set('2030-03-09T00:01:00.000Z');
    await use(minted.token, '10.0.0.1');
    await t.deps.lastUse.flush();
    // A second flush adds to the same day rather than replacing it.
    clock.set('2030-03-10T08:00:00.000Z');
    for (const ip of ['10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7']) {
      clock.advance(1000);
      await use(minted.token, ip);
    }
    await t.deps.lastUse.flush();
    clock.set('2030-03-10T09:00:00.000Z');
    await use(minted.token, '10.0.0.1');
    await t.deps.lastUse.flush();

    const res = await request(t, { method: 'GET', url: `/v1/api-tokens/${minted.id}/usage?days=30`, token: org.token });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { data: { date: string; count: number }[]; lastIps: string[] };
    expect(body.data).toHaveLength(30);
    expect(body.data[0]!.date).toBe('2030-02-09');
    expect(body.data.at(-1)).toEqual({ date: '2030-03-10', count: 6 });
    expect(body.data.at(-2)).toEqual({ date: '2030-03-09', count: 1 });
    expect(body.data.at(-3)).toEqual({ date: '2030-03-08', count: 2 });
    expect(body.data.slice(0, -3).every((row) => row.count === 0)).toBe(true);
    expect(body.lastIps).toEqual(['10.0.0.1', '10.0.0.7', '10.0.0.6', '10.0.0.5', '10.0.0.4']);

    const week = await request(t, { method: 'GET', url: `/v1/api-tokens/${minted.id}/usage?days=7`, token: org.token });
    expect(week.json().data).toHaveLength(7);
    const byAdmin = await request(t, { method: 'GET', url: `/v1/tokens/${minted.id}/usage`, token: org.token });
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json()).toEqual({ ...body });
  });

  it('a verification writes nothing until the flush', async () => {
    const minted = await mint('unflushed');
    await use(minted.token, '10.0.0.9');
    const before = await t.deps.db.selectFrom('token_usage_daily').selectAll().where('token_id', '=', minted.id).execute();
    expect(before).toEqual([]);
    await t.deps.lastUse.flush();
    const after = await t.deps.db.selectFrom('token_usage_daily').selectAll().where('token_id', '=', minted.id).execute();
    expect(after.map((row) => Number(row.count))).toEqual([1]);
  });

  it('refuses a bad days value with a problem naming the field', async () => {
    for (const days of ['0', '91', 'abc']) {
      const res = await request(t, { method: 'GET', url: `/v1/api-tokens/${org.tokenId}/usage?days=${days}`, token: org.token });
      expect(expectProblem(res, 400, 'validation_failed').errors).toEqual([expect.objectContaining({ field: 'days' })]);
    }
  });

  it('another person’s token is 404 on the personal route, and readable on the org-wide route by an admin', async () => {
    const admin = await addMember(t, org, 'admin');
    expectProblem(await request(t, { method: 'GET', url: `/v1/api-tokens/${org.tokenId}/usage`, token: admin.token }), 404, 'not_found');
    const own = await request(t, { method: 'GET', url: `/v1/api-tokens/${admin.tokenId}/usage`, token: admin.token });
    expect(own.statusCode).toBe(200);
    const orgWide = await request(t, { method: 'GET', url: `/v1/tokens/${org.tokenId}/usage`, token: admin.token });
    expect(orgWide.statusCode).toBe(200);
  });

  it('a token of another org is 404 on both routes', async () => {
    const other = await createTestOrg(t, 'Elsewhere');
    expectProblem(await request(t, { method: 'GET', url: `/v1/api-tokens/${other.tokenId}/usage`, token: org.token }), 404, 'not_found');
    expectProblem(await request(t, { method: 'GET', url: `/v1/tokens/${other.tokenId}/usage`, token: org.token }), 404, 'not_found');
  });
});

