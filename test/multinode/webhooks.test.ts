// Two nodes on one PostgreSQL schema (PostgreSQL only): each webhook event is
// delivered by exactly one node, and each expiry warning is sent once, while
// both nodes work the same queue and sweep at the same moment.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DAY_MS, ManualClock } from '../../src/clock.js';
import { sweepTokens } from '../../src/tokens/sweep.js';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';
import { WebhookReceiver } from '../webhook-receiver.js';

let dataDir: string;
let clock: ManualClock;
let a: TestApp;
let b: TestApp;
let org: TestOrg;
let receiver: WebhookReceiver;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-two-'));
  clock = new ManualClock(new Date());
  const overrides = { webhooks: { allowPrivateNetworks: true } };
  a = await createTestApp({ dataDir, clock, overrides });
  b = await createTestApp({ dataDir, clock, overrides, pepper: a.pepper });
  org = await createTestOrg(a);
  receiver = await new WebhookReceiver().start();
});

afterAll(async () => {
  await receiver.close();
  await b.close();
  await a.close();
  rmSync(dataDir, { recursive: true, force: true });
});

it('delivers each event once when both nodes drain the queue side by side', async () => {
  const hook = await request(a, { method: 'POST', url: '/v1/webhooks', token: org.token, payload: { url: receiver.url(), events: ['team.created'] } });
  expect(hook.statusCode).toBe(201);
  const teams = 90;
  for (let i = 0; i < teams; i++) {
    const node = i % 2 ? a : b;
    expect((await request(node, { method: 'POST', url: '/v1/teams', token: org.token, payload: { name: `team ${i}` } })).statusCode).toBe(201);
  }
  // Both nodes claim at once, again and again, until nothing is left.
  for (let round = 0; round < 20; round++) {
    const [x, y] = await Promise.all([a.deps.webhooks!.runOnce(), b.deps.webhooks!.runOnce()]);
    if (x + y === 0) break;
  }
  const ids = receiver.received.map((r) => String(r.headers['latchkey-event-id']));
  expect(ids).toHaveLength(teams);
  expect(new Set(ids).size).toBe(teams);
  const claimedBy = await a.deps.db.selectFrom('webhook_deliveries').select(['status']).where('webhook_id', '=', hook.json().id).execute();
  expect(claimedBy.every((d) => d.status === 'delivered')).toBe(true);
});

it('sends each expiry warning once when both nodes sweep at the same moment', async () => {
  const tokens = 40;
  for (let i = 0; i < tokens; i++) {
    const res = await request(a, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: `yearly ${i}`, expiresIn: '1y' } });
    expect(res.statusCode).toBe(201);
  }
  clock.advance((365 - 59) * DAY_MS);
  const [x, y] = await Promise.all([sweepTokens(a.deps), sweepTokens(b.deps)]);
  expect(x.warned + y.warned).toBe(tokens);
  const events = await a.deps.db.selectFrom('audit_events').select(['target_id']).where('action', '=', 'token.expiring').execute();
  expect(events).toHaveLength(tokens);
  expect(new Set(events.map((e) => e.target_id)).size).toBe(tokens);
});

it('revokes each unused token once when both nodes sweep at the same moment', async () => {
  const other = await createTestOrg(a);
  const idle: string[] = [];
  for (let i = 0; i < 20; i++) {
    const res = await request(a, { method: 'POST', url: '/v1/api-tokens', token: other.token, payload: { name: `idle ${i}` } });
    idle.push(res.json().id as string);
  }
  expect((await request(b, { method: 'PATCH', url: '/v1/org', token: other.token, payload: { policy: { revokeUnusedAfterDays: 10 } } })).statusCode).toBe(200);
  clock.advance(11 * DAY_MS);
  const [x, y] = await Promise.all([sweepTokens(a.deps), sweepTokens(b.deps)]);
  // The owner's own token was unused too.
  expect(x.revoked + y.revoked).toBe(idle.length + 1);
  const events = await a.deps.db.selectFrom('audit_events').select(['target_id']).where('org_id', '=', other.orgId).where('action', '=', 'token.revoked').execute();
  expect(events).toHaveLength(idle.length + 1);
  expect(new Set(events.map((e) => e.target_id)).size).toBe(idle.length + 1);
});
