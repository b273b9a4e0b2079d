// lk.verifier() against a real server: the same answers as POST /v1/verify,
// served from memory on repeat, dropped by the server's events (so a revocation
// counts although the TTL is an hour), expiry and grace checked at hit time,
// uncached while the event stream is down, and an error when Latchkey is gone.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Latchkey, LatchkeyError, type Verifier } from '@latchkey/sdk';
import { addMember, createTestOrg, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from './server.js';

let t: ListeningApp;
let org: TestOrg;
let lk: Latchkey;
let verifier: Verifier;
const HOUR = 3_600_000;

beforeAll(async () => {
  t = await listeningApp();
  org = await createTestOrg(t);
  lk = new Latchkey({ baseUrl: t.baseUrl, token: org.token });
  // The verifier reads the server's (hand-moved) clock, so expiry can be tested without waiting.
  verifier = lk.verifier({ cacheTtlMs: HOUR, now: () => t.clock.now().getTime(), reconnectMinMs: 10, reconnectMaxMs: 50 });
  await verifier.ready();
});
afterAll(async () => {
  await verifier.close();
  await t.close();
});

/** Moves the clock past the settle window that follows any earlier test's events (answers are not cached within it). */
const settle = () => t.clock.advance(2_000);

/** Waits for something the event stream will make true (the stream, not a timer, drives it). */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check()).toBe(true);
}

describe('lk.verifier()', () => {
  it('answers exactly as POST /v1/verify does, for each kind of answer', async () => {
    const minted = await lk.apiTokens.create({ name: 'same answers', scopes: ['issues:read'] });
    const cases: [string, { scope?: string }][] = [
      [minted.token, {}],
      [minted.token, { scope: 'issues:read' }],
      [minted.token, { scope: 'issues:write' }],
      ['lk_pat_notarealtokennotarealtokennotarealtokenAAAAAA', {}],
      ['garbage', { scope: 'issues:read' }],
    ];
    for (const [token, options] of cases) {
      const direct = await lk.verify(token, options);
      expect(await verifier.verify(token, options)).toEqual(direct);
      expect(await verifier.verify(token, options)).toEqual(direct);
    }
  });

  it('serves a repeat from memory, keyed by a hash (the token is nowhere in it)', async () => {
    const minted = await lk.apiTokens.create({ name: 'cached' });
    settle();
    const first = await verifier.verify(minted.token, { scope: 'issues:read' });
    const before = verifier.stats();
    const again = await verifier.verify(minted.token, { scope: 'issues:read' });
    expect(again).toBe(first);
    expect(Object.isFrozen(again)).toBe(true);
    expect(verifier.stats().hits).toBe(before.hits + 1);
    expect(verifier.stats().misses).toBe(before.misses);
    expect(inspect(verifier, { depth: 20, showHidden: true })).not.toContain(minted.token);
  });

  it('a revocation counts although the cached answer had an hour to live', async () => {
    const minted = await lk.apiTokens.create({ name: 'revoked while cached' });
    settle();
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    await lk.apiTokens.revoke(minted.id);
    await eventually(async () => (await verifier.verify(minted.token)).code === 'REVOKED');
  });

  it("a member's demotion drops the org's answers", async () => {
    const member = await addMember(t, org, 'admin');
    settle();
    expect((await verifier.verify(member.token, { scope: 'members:manage' })).allowed).toBe(true);
    expect((await verifier.verify(member.token, { scope: 'members:manage' })).allowed).toBe(true);
    await lk.members.update(member.userId, { role: 'member' });
    await eventually(async () => !(await verifier.verify(member.token, { scope: 'members:manage' })).allowed);
  });

  it('expiry is checked at hit time: no event needed', async () => {
    settle();
    const minted = await lk.apiTokens.create({ name: 'expiring', expiresAt: new Date(t.clock.now().getTime() + 60_000).toISOString() });
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    const hits = verifier.stats().hits;
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect(verifier.stats().hits).toBe(hits + 1);
    t.clock.advance(61_000);
    expect((await verifier.verify(minted.token)).code).toBe('EXPIRED');
  });

  it("a rolled secret's grace period ends on time", async () => {
    const minted = await lk.apiTokens.create({ name: 'rolled' });
    const heard = verifier.stats().invalidations;
    await lk.apiTokens.roll(minted.id, { gracePeriodSeconds: 30 });
    await eventually(() => verifier.stats().invalidations > heard);
    settle();
    const old = await verifier.verify(minted.token);
    expect(old.code).toBe('VALID');
    expect(old.token?.secretValidUntil).toEqual(expect.any(String));
    expect(await verifier.verify(minted.token)).toBe(old);
    t.clock.advance(30_000);
    expect((await verifier.verify(minted.token)).code).toBe('REVOKED');
  });

  it('does not trust its cache while the stream is down, and caches again once it is back', async () => {
    const minted = await lk.apiTokens.create({ name: 'bypass' });
    await verifier.verify(minted.token);
    // The node stops hearing changes: it closes its streams and refuses new ones.
    t.verifyEvents.setListening(false);
    await eventually(() => !verifier.connected);
    const bypassed = verifier.stats().bypassed;
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect(verifier.stats().bypassed).toBe(bypassed + 2);
    t.verifyEvents.setListening(true);
    await verifier.ready();
    settle();
    await verifier.verify(minted.token);
    const hits = verifier.stats().hits;
    await verifier.verify(minted.token);
    expect(verifier.stats().hits).toBe(hits + 1);
  });

  it('throws LatchkeyError (not a stale answer) when Latchkey cannot be reached', async () => {
    const node = await listeningApp();
    const o = await createTestOrg(node);
    const client = new Latchkey({ baseUrl: node.baseUrl, token: o.token, timeoutMs: 2_000 });
    const v = client.verifier({ reconnectMinMs: 10 });
    await v.ready();
    expect((await v.verify(o.token)).code).toBe('VALID');
    await node.close();
    await eventually(() => !v.connected);
    const error = await v.verify(o.token).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LatchkeyError);
    expect((error as LatchkeyError).code).toBe('network_error');
    expect(String(error)).not.toContain(o.token);
    await v.close();
  });
});
