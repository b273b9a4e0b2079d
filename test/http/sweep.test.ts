// The token sweep (SPEC §10): token.expiring once per token for each of 60, 30
// and 7 days before expiry (an audit event and a webhook), across restarts; and
// policy.revokeUnusedAfterDays revoking tokens unused that long, reason `unused`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DAY_MS, ManualClock } from '../../src/clock.js';
import { sweepTokens } from '../../src/tokens/sweep.js';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';
import { WebhookReceiver } from '../webhook-receiver.js';

const HOUR = 3_600_000;

async function mint(t: TestApp, org: TestOrg, name: string, expiresIn?: string) {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name, ...(expiresIn ? { expiresIn } : {}) } });
  expect(res.statusCode).toBe(201);
  return res.json() as { id: string; token: string; expiresAt: string | null };
}

async function expiringEvents(t: TestApp, org: TestOrg, tokenId?: string) {
  const res = await request(t, { method: 'GET', url: `/v1/audit-events?action=token.expiring${tokenId ? `&target=${tokenId}` : ''}&limit=200`, token: org.token });
  expect(res.statusCode).toBe(200);
  return res.json().data as { actor: { type: string }; target: { id: string }; metadata: { daysLeft: number; threshold: number; token: { id: string; name: string } } }[];
}

describe('expiry warnings', () => {
  let dataDir: string;
  let clock: ManualClock;
  let t: TestApp;
  let org: TestOrg;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-sweep-'));
    clock = new ManualClock(new Date());
    t = await createTestApp({ dataDir, clock, overrides: { webhooks: { allowPrivateNetworks: true } } });
    org = await createTestOrg(t);
    receiver = await new WebhookReceiver().start();
  });

  afterAll(async () => {
    await receiver.close();
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('warns at 60, 30 and 7 days, once each, only at thresholds the token outlived, across a restart', async () => {
    const hook = await request(t, { method: 'POST', url: '/v1/webhooks', token: org.token, payload: { url: receiver.url(), events: ['token.expiring'] } });
    expect(hook.statusCode).toBe(201);
    const year = await mint(t, org, 'yearly', '1y');
    const month = await mint(t, org, 'monthly', '30d');
    const week = await mint(t, org, 'weekly', '7d');
    const forever = await mint(t, org, 'forever');

    expect((await sweepTokens(t.deps)).warned).toBe(0);

    // 1y token with 60 days left: one warning, daysLeft 60.
    clock.advance((365 - 60) * DAY_MS + HOUR);
    expect((await sweepTokens(t.deps)).warned).toBe(1);
    let events = await expiringEvents(t, org, year.id);
    expect(events.map((e) => [e.metadata.threshold, e.metadata.daysLeft])).toEqual([[60, 60]]);
    expect(events[0]).toMatchObject({ actor: { type: 'system' }, metadata: { token: { id: year.id, name: 'yearly' } } });
    expect((await sweepTokens(t.deps)).warned).toBe(0);

    // Restart on the same data: nothing is sent again.
    await t.close();
    t = await createTestApp({ dataDir, clock, pepper: t.pepper, overrides: { webhooks: { allowPrivateNetworks: true } } });
    expect((await sweepTokens(t.deps)).warned).toBe(0);

    clock.advance(30 * DAY_MS);
    expect((await sweepTokens(t.deps)).warned).toBe(1);
    clock.advance(23 * DAY_MS);
    expect((await sweepTokens(t.deps)).warned).toBe(1);
    expect((await sweepTokens(t.deps)).warned).toBe(0);
    events = await expiringEvents(t, org, year.id);
    expect(events.map((e) => e.metadata.threshold).sort((a, b) => a - b)).toEqual([7, 30, 60]);
    expect(events.find((e) => e.metadata.threshold === 7)!.metadata.daysLeft).toBe(7);

    // The 30-day and 7-day tokens expired long ago; a token that never expires is never warned.
    for (const id of [month.id, week.id, forever.id]) expect(await expiringEvents(t, org, id)).toEqual([]);

    // Each warning went out as a webhook with { token, daysLeft }.
    await t.deps.webhooks!.runOnce();
    expect(receiver.accepted).toHaveLength(3);
    const bodies = receiver.accepted.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.data.daysLeft).sort((a: number, b: number) => a - b)).toEqual([7, 30, 60]);
    for (const body of bodies) expect(body).toMatchObject({ type: 'token.expiring', data: { token: { id: year.id, name: 'yearly' } } });
  });

  it('sends only the nearest threshold when several passed while no sweep ran', async () => {
    const quarter = await mint(t, org, 'quarterly', '90d');
    clock.advance(85 * DAY_MS);
    expect((await sweepTokens(t.deps)).warned).toBe(1);
    const events = await expiringEvents(t, org, quarter.id);
    expect(events.map((e) => [e.metadata.threshold, e.metadata.daysLeft])).toEqual([[7, 5]]);
    expect((await sweepTokens(t.deps)).warned).toBe(0);
  });

  it('does not warn about a revoked token', async () => {
    const gone = await mint(t, org, 'gone', '30d');
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${gone.id}`, token: org.token });
    clock.advance(25 * DAY_MS);
    await sweepTokens(t.deps);
    expect(await expiringEvents(t, org, gone.id)).toEqual([]);
  });
});

describe('revokeUnusedAfterDays', () => {
  let t: TestApp;
  let org: TestOrg;

  beforeAll(async () => {
    t = await createTestApp();
    org = await createTestOrg(t);
  });

  afterAll(() => t.close());

  it('is part of the policy, validated', async () => {
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy: { revokeUnusedAfterDays: 30 } } });
    expect(res.statusCode).toBe(200);
    expect(res.json().policy.revokeUnusedAfterDays).toBe(30);
    for (const bad of [0, -1, 1.5, 'thirty']) {
      expectProblem(await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy: { revokeUnusedAfterDays: bad } } }), 400, 'validation_failed');
    }
  });

  it('revokes tokens unused that long with reason unused, and keeps the ones in use', async () => {
    const idle = await mint(t, org, 'idle');
    const busy = await mint(t, org, 'busy');
    const other = await createTestOrg(t);
    const elsewhere = await mint(t, other, 'no policy here');

    t.clock.advance(20 * DAY_MS);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: busy.token })).statusCode).toBe(200);
    t.clock.advance(11 * DAY_MS);
    // The owners' own tokens are in use too.
    for (const token of [org.token, other.token]) expect((await request(t, { method: 'GET', url: '/v1/me', token })).statusCode).toBe(200);
    const result = await sweepTokens(t.deps);
    expect(result.revoked).toBe(1);

    expectProblem(await request(t, { method: 'GET', url: '/v1/me', token: idle.token }), 401, 'token_revoked');
    expect((await request(t, { method: 'GET', url: '/v1/me', token: busy.token })).statusCode).toBe(200);
    expect((await request(t, { method: 'GET', url: '/v1/me', token: elsewhere.token })).statusCode).toBe(200);
    const listed = await request(t, { method: 'GET', url: `/v1/api-tokens/${idle.id}`, token: org.token });
    expect(listed.json().status).toBe('revoked');
    const audit = await request(t, { method: 'GET', url: `/v1/audit-events?action=token.revoked&target=${idle.id}`, token: org.token });
    expect(audit.json().data).toEqual([expect.objectContaining({ actor: expect.objectContaining({ type: 'system' }), metadata: expect.objectContaining({ reason: 'unused', unusedDays: 30 }) })]);
    expect((await sweepTokens(t.deps)).revoked).toBe(0);
  });
});
