// Webhooks (SPEC §10): endpoints registered with a signing secret shown once,
// the outbox written in the event's transaction, signed deliveries, retries with
// back-off, an endpoint disabled after a day of failures, and the SSRF guard at
// registration and again at delivery.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../src/clock.js';
import { newId } from '../../src/random.js';
import { verifySignature } from '../../src/webhooks/signing.js';
import { guardedLookup, refusedRange } from '../../src/webhooks/destination.js';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';
import { WebhookReceiver } from '../webhook-receiver.js';

let guarded: TestApp;
let open: TestApp;
let org: TestOrg;
let openOrg: TestOrg;
let receiver: WebhookReceiver;

beforeAll(async () => {
  guarded = await createTestApp();
  open = await createTestApp({ overrides: { webhooks: { allowPrivateNetworks: true, retryBaseMs: 60_000, timeoutMs: 500 } } });
  org = await createTestOrg(guarded);
  openOrg = await createTestOrg(open);
  receiver = await new WebhookReceiver().start();
});

afterAll(async () => {
  await receiver.close();
  await guarded.close();
  await open.close();
});

beforeEach(() => {
  receiver.received.length = 0;
  receiver.status = 200;
});

async function register(t: TestApp, token: string, body: Record<string, unknown>) {
  return request(t, { method: 'POST', url: '/v1/webhooks', token, payload: body });
}

async function countRows(t: TestApp, table: 'webhooks' | 'webhook_deliveries' | 'audit_events'): Promise<number> {
  const { n } = await t.deps.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(n);
}

async function deliveries(t: TestApp, token: string, id: string) {
  const res = await request(t, { method: 'GET', url: `/v1/webhooks/${id}/deliveries`, token });
  expect(res.statusCode).toBe(200);
  return res.json().data as Record<string, unknown>[];
}

describe('registering endpoints', () => {
  it('returns the signing secret once, lists the endpoint without it, and stores it only encrypted', async () => {
    const res = await register(guarded, org.token, { url: 'https://hooks.example.com/latchkey', events: ['token.*', 'member.added', 'token.*'] });
    expect(res.statusCode).toBe(201);
    expect(res.headers['cache-control']).toBe('no-store');
    const created = res.json();
    expect(created).toMatchObject({ url: 'https://hooks.example.com/latchkey', events: ['token.*', 'member.added'], status: 'active', disabledAt: null });
    expect(created.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);

    const list = await request(guarded, { method: 'GET', url: '/v1/webhooks', token: org.token });
    expect(list.json().data.map((w: { id: string }) => w.id)).toContain(created.id);
    expect(list.body).not.toContain(created.secret);
    const one = await request(guarded, { method: 'GET', url: `/v1/webhooks/${created.id}`, token: org.token });
    expect(one.json()).toMatchObject({ id: created.id, events: ['token.*', 'member.added'] });
    expect(one.json().secret).toBeUndefined();

    const row = await guarded.deps.db.selectFrom('webhooks').select('secret').where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(created.secret.slice(6));
    const audit = await request(guarded, { method: 'GET', url: `/v1/audit-events?target=${created.id}`, token: org.token });
    expect(audit.json().data[0]).toMatchObject({ action: 'webhook.created', metadata: { url: 'https://hooks.example.com/latchkey' } });
    expect(audit.body).not.toContain(created.secret);
  });

  it('refuses loopback, private, link-local and metadata destinations, and writes nothing', async () => {
    const before = await countRows(guarded, 'webhooks');
    for (const url of [
      'http://127.0.0.1:8080/hook',
      'http://localhost/hook',
      'http://api.localhost/hook',
      'http://10.0.0.5/hook',
      'http://192.168.1.1/hook',
      'http://172.16.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[fe80::1]/hook',
      'http://[fd00::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://0.0.0.0/hook',
    ]) {
      const res = await register(guarded, org.token, { url, events: ['*'] });
      const problem = expectProblem(res, 400, 'destination_not_allowed');
      expect(problem.errors).toEqual([expect.objectContaining({ field: 'url' })]);
    }
    expect(await countRows(guarded, 'webhooks')).toBe(before);
  });

  it('refuses bad urls and event patterns with the field named', async () => {
    for (const [body, field] of [
      [{ url: 'ftp://example.com/x', events: ['*'] }, 'url'],
      [{ url: 'https://user:pass@example.com/x', events: ['*'] }, 'url'],
      [{ url: 'https://example.com/x', events: [] }, 'events'],
      [{ url: 'https://example.com/x', events: ['Token.Revoked'] }, 'events.0'],
      [{ url: 'https://example.com/x', events: ['token.*.x'] }, 'events.0'],
      [{ url: 'https://example.com/x', events: ['*'], secret: 'mine' }, 'secret'],
      [{ events: ['*'] }, 'url'],
    ] as const) {
      const problem = expectProblem(await register(guarded, org.token, body), 400, 'validation_failed');
      expect((problem.errors as { field: string }[]).map((e) => e.field)).toContain(field);
    }
  });

  it('needs webhooks:manage to register and webhooks:read to list; another org sees 404', async () => {
    const member = await addMember(guarded, org, 'member');
    expectProblem(await register(guarded, member.token, { url: 'https://example.com/x', events: ['*'] }), 403, 'forbidden');
    expectProblem(await request(guarded, { method: 'GET', url: '/v1/webhooks', token: member.token }), 403, 'forbidden');
    const narrow = await request(guarded, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'hook reader', scopes: ['webhooks:read'] } });
    const reader = narrow.json().token as string;
    expect((await request(guarded, { method: 'GET', url: '/v1/webhooks', token: reader })).statusCode).toBe(200);
    expectProblem(await register(guarded, reader, { url: 'https://example.com/x', events: ['*'] }), 403, 'forbidden');

    const created = (await register(guarded, org.token, { url: 'https://example.com/mine', events: ['*'] })).json();
    const other = await createTestOrg(guarded);
    for (const [method, url] of [
      ['GET', `/v1/webhooks/${created.id}`],
      ['DELETE', `/v1/webhooks/${created.id}`],
      ['GET', `/v1/webhooks/${created.id}/deliveries`],
    ] as const) {
      expectProblem(await request(guarded, { method, url, token: other.token }), 404, 'not_found');
    }
    expect((await request(guarded, { method: 'GET', url: '/v1/webhooks', token: other.token })).json().data).toEqual([]);
  });

  it('deletes an endpoint: gone from the list, 404 after, queued deliveries cancelled', async () => {
    const created = (await register(open, openOrg.token, { url: receiver.url(), events: ['team.*'] })).json();
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `t-${newId('x')}` } });
    expect((await deliveries(open, openOrg.token, created.id)).map((d) => d.status)).toEqual(['pending']);
    const res = await request(open, { method: 'DELETE', url: `/v1/webhooks/${created.id}`, token: openOrg.token });
    expect(res.statusCode).toBe(200);
    expectProblem(await request(open, { method: 'DELETE', url: `/v1/webhooks/${created.id}`, token: openOrg.token }), 404, 'not_found');
    expectProblem(await request(open, { method: 'GET', url: `/v1/webhooks/${created.id}`, token: openOrg.token }), 404, 'not_found');
    const rows = await open.deps.db.selectFrom('webhook_deliveries').select('status').where('webhook_id', '=', created.id).execute();
    expect(rows.map((r) => r.status)).toEqual(['cancelled']);
    await open.deps.webhooks!.runOnce();
    expect(receiver.received).toHaveLength(0);
  });
});

describe('delivering events', () => {
  it('queues matching audit events in their transaction and POSTs them signed, with the event id', async () => {
    const hook = (await register(open, openOrg.token, { url: receiver.url('/signed'), events: ['token.minted', 'token.revoked'] })).json();
    const minted = await request(open, { method: 'POST', url: '/v1/api-tokens', token: openOrg.token, payload: { name: `ci-${newId('x')}` } });
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `team-${newId('x')}` } });
    const queued = await deliveries(open, openOrg.token, hook.id);
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({ type: 'token.minted', status: 'pending', attempts: 0 });

    expect(await open.deps.webhooks!.runOnce()).toBeGreaterThanOrEqual(1);
    const got = receiver.received.filter((r) => r.headers['latchkey-event-type'] === 'token.minted');
    expect(got).toHaveLength(1);
    const [delivery] = got;
    const body = JSON.parse(delivery!.body);
    const event = (await request(open, { method: 'GET', url: `/v1/audit-events?action=token.minted&target=${minted.json().id}`, token: openOrg.token })).json().data[0];
    expect(body).toMatchObject({ id: event.id, type: 'token.minted', createdAt: event.createdAt, data: { name: minted.json().name, target: { type: 'token', id: minted.json().id }, actor: { type: 'token' } } });
    expect(delivery!.headers['latchkey-event-id']).toBe(event.id);
    expect(delivery!.headers['content-type']).toBe('application/json');
    const header = String(delivery!.headers['latchkey-signature']);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const now = Math.floor(open.clock.now().getTime() / 1000);
    expect(verifySignature(hook.secret, header, delivery!.body, now)).toBe(true);
    expect(verifySignature(hook.secret, header, delivery!.body.replace('token.minted', 'token.revoked'), now)).toBe(false);
    expect(verifySignature('whsec_wrong', header, delivery!.body, now)).toBe(false);
    expect(delivery!.body).not.toContain(minted.json().token);

    const after = await deliveries(open, openOrg.token, hook.id);
    expect(after[0]).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, nextAttemptAt: null });
    // Delivered once: another pass sends nothing.
    receiver.received.length = 0;
    await open.deps.webhooks!.runOnce();
    expect(receiver.received).toHaveLength(0);
    await request(open, { method: 'DELETE', url: `/v1/webhooks/${hook.id}`, token: openOrg.token });
  });

  it('retries a failing endpoint with exponential back-off, the same body and event id each time', async () => {
    const hook = (await register(open, openOrg.token, { url: receiver.url('/flaky'), events: ['team.created'] })).json();
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `flaky-${newId('x')}` } });
    receiver.status = 503;
    await open.deps.webhooks!.runOnce();
    let [d] = await deliveries(open, openOrg.token, hook.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 503 });
    const firstRetry = new Date(d!.nextAttemptAt as string).getTime() - open.clock.now().getTime();
    expect(firstRetry).toBe(60_000);

    // Not due yet: nothing is sent.
    await open.deps.webhooks!.runOnce();
    expect(receiver.received).toHaveLength(1);

    open.clock.advance(60_000);
    await open.deps.webhooks!.runOnce();
    [d] = await deliveries(open, openOrg.token, hook.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 2 });
    expect(new Date(d!.nextAttemptAt as string).getTime() - open.clock.now().getTime()).toBe(120_000);

    receiver.status = 204;
    open.clock.advance(120_000);
    await open.deps.webhooks!.runOnce();
    [d] = await deliveries(open, openOrg.token, hook.id);
    expect(d).toMatchObject({ status: 'delivered', attempts: 3, lastStatusCode: 204 });
    expect(receiver.received).toHaveLength(3);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers['latchkey-event-id'])).size).toBe(1);
    expect(receiver.received.map((r) => r.headers['latchkey-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(receiver.accepted).toHaveLength(1);
    await request(open, { method: 'DELETE', url: `/v1/webhooks/${hook.id}`, token: openOrg.token });
  });

  it('gives up on an attempt that takes longer than the timeout and tries again later', async () => {
    const hook = (await register(open, openOrg.token, { url: receiver.url('/slow'), events: ['team.created'] })).json();
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `slow-${newId('x')}` } });
    receiver.status = null;
    await open.deps.webhooks!.runOnce();
    const [d] = await deliveries(open, openOrg.token, hook.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: null });
    expect(d!.lastError).toMatch(/timed out/);
    await request(open, { method: 'DELETE', url: `/v1/webhooks/${hook.id}`, token: openOrg.token });
  });

  it('disables an endpoint after a day of failures, records it, and stops queueing for it', async () => {
    const hook = (await register(open, openOrg.token, { url: receiver.url('/down'), events: ['team.*'] })).json();
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `down-${newId('x')}` } });
    receiver.status = 500;
    const start = open.clock.now().getTime();
    let status = 'active';
    for (let i = 0; i < 100 && status === 'active'; i++) {
      await open.deps.webhooks!.runOnce();
      status = (await request(open, { method: 'GET', url: `/v1/webhooks/${hook.id}`, token: openOrg.token })).json().status;
      open.clock.advance(3_600_000);
    }
    const after = (await request(open, { method: 'GET', url: `/v1/webhooks/${hook.id}`, token: openOrg.token })).json();
    expect(after).toMatchObject({ status: 'disabled', failingSince: new Date(start).toISOString() });
    expect(new Date(after.disabledAt).getTime() - start).toBeGreaterThanOrEqual(DAY_MS);
    expect(after.disabledReason).toMatch(/HTTP 500/);
    const [d] = await deliveries(open, openOrg.token, hook.id);
    expect(d).toMatchObject({ status: 'failed' });
    const audit = (await request(open, { method: 'GET', url: `/v1/audit-events?action=webhook.disabled&target=${hook.id}`, token: openOrg.token })).json().data;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: { type: 'system' }, metadata: { url: receiver.url('/down') } });

    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `after-${newId('x')}` } });
    expect(await deliveries(open, openOrg.token, hook.id)).toHaveLength(1);

    // Re-enabled by a person: events flow again.
    const enabled = await request(open, { method: 'PATCH', url: `/v1/webhooks/${hook.id}`, token: openOrg.token, payload: { status: 'active' } });
    expect(enabled.json()).toMatchObject({ status: 'active', failingSince: null, disabledAt: null });
    await request(open, { method: 'POST', url: '/v1/teams', token: openOrg.token, payload: { name: `again-${newId('x')}` } });
    expect((await deliveries(open, openOrg.token, hook.id)).map((x) => x.status)).toEqual(['pending', 'failed']);
    await request(open, { method: 'DELETE', url: `/v1/webhooks/${hook.id}`, token: openOrg.token });
  });

  it('re-checks the destination at delivery: a url that now means loopback is never contacted', async () => {
    // As if DNS changed after registration: the row is written directly, past the registration check.
    const hooked = await createTestOrg(guarded);
    const created = (await register(guarded, hooked.token, { url: 'https://rebind.example.com/x', events: ['team.created'] })).json();
    await guarded.deps.db.updateTable('webhooks').set({ url: receiver.url('/rebound') }).where('id', '=', created.id).execute();
    await request(guarded, { method: 'POST', url: '/v1/teams', token: hooked.token, payload: { name: 'rebound' } });
    await guarded.deps.webhooks!.runOnce();
    expect(receiver.received).toHaveLength(0);
    const [d] = await deliveries(guarded, hooked.token, created.id);
    expect(d).toMatchObject({ status: 'pending', attempts: 1 });
    expect(d!.lastError).toMatch(/loopback/);

    await guarded.deps.db.updateTable('webhooks').set({ url: receiver.url('/rebound').replace('127.0.0.1', 'localhost') }).where('id', '=', created.id).execute();
    guarded.clock.advance(60 * 60_000);
    await guarded.deps.webhooks!.runOnce();
    expect(receiver.received).toHaveLength(0);
    const [again] = await deliveries(guarded, hooked.token, created.id);
    expect(again).toMatchObject({ attempts: 2 });
    expect(again!.lastError).toMatch(/resolves to .*loopback/);
  });
});

describe('the SSRF guard', () => {
  it('allows only public unicast addresses', () => {
    expect(refusedRange('93.184.216.34')).toBeNull();
    expect(refusedRange('2606:4700::6810:84e5')).toBeNull();
    for (const address of ['127.0.0.1', '10.1.2.3', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:10.0.0.1', '224.0.0.1']) {
      expect(refusedRange(address), address).not.toBeNull();
    }
  });

  it('refuses a name that resolves to loopback when the socket looks it up', async () => {
    const lookup = guardedLookup(false);
    const error = await new Promise<Error | null>((resolve) => lookup('localhost', { all: true }, ((e: Error | null) => resolve(e)) as never));
    expect(error?.message).toMatch(/loopback/);
    const allowed = await new Promise<Error | null>((resolve) => guardedLookup(true)('localhost', { all: true }, ((e: Error | null) => resolve(e)) as never));
    expect(allowed).toBeNull();
  });
});
