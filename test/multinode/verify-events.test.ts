// Verifiers on several nodes (PostgreSQL): an event stream on node B hears a
// change made through node A (NOTIFY carries the token ids), a verifier connected
// to B refuses a token revoked on A although its TTL is an hour, and when B
// loses its change listener it closes its streams and refuses new ones until it
// hears again, so the verifier goes uncached and then reconnects.
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Latchkey, type Verifier } from '@latchkey/sdk';
import { buildApp, type BuiltApp } from '../../src/http/app.js';
import { createTestOrg, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from '../sdk/server.js';
import { openEvents } from '../sdk/sse.js';

let a: ListeningApp;
let b: BuiltApp;
let bUrl: string;
let org: TestOrg;
let onA: Latchkey;
let verifier: Verifier;

beforeAll(async () => {
  a = await listeningApp();
  org = await createTestOrg(a);
  b = await buildApp({ config: a.deps.config, pepper: a.pepper, clock: a.clock, logStream: false });
  await b.app.listen({ port: 0, host: '127.0.0.1' });
  bUrl = `http://127.0.0.1:${(b.app.server.address() as AddressInfo).port}`;
  onA = new Latchkey({ baseUrl: a.baseUrl, token: org.token });
  verifier = new Latchkey({ baseUrl: bUrl, token: org.token }).verifier({ cacheTtlMs: 3_600_000, settleMs: 0, reconnectMinMs: 20, reconnectMaxMs: 200 });
  await verifier.ready();
});
afterAll(async () => {
  await verifier?.close();
  await b?.app.close();
  await a?.close();
});

async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1000 && !(await check()); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(await check()).toBe(true);
}

describe('verify events across nodes', () => {
  it('streams on both nodes hear a change made on one, with its token id', async () => {
    const streams = await Promise.all([openEvents(a.baseUrl, { authorization: `Bearer ${org.token}` }), openEvents(bUrl, { authorization: `Bearer ${org.token}` })]);
    try {
      await Promise.all(streams.map((s) => s.next((e) => e.event === 'ready')));
      const minted = await onA.apiTokens.create({ name: 'two-node event' });
      await onA.apiTokens.revoke(minted.id);
      for (const stream of streams) {
        expect((await stream.next((e) => e.event === 'invalidate')).data).toEqual({ orgId: org.orgId, tokenIds: [minted.id] });
      }
      await onA.org.update({ name: 'Renamed on A' });
      for (const stream of streams) {
        expect((await stream.next((e) => e.event === 'invalidate' && e.data.all === true)).data).toEqual({ orgId: org.orgId, all: true });
      }
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('a verifier connected to node B refuses a token revoked on node A', async () => {
    const minted = await onA.apiTokens.create({ name: 'revoked on A' });
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    const hits = verifier.stats().hits;
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect(verifier.stats().hits).toBe(hits + 1);
    await onA.apiTokens.revoke(minted.id);
    await eventually(async () => (await verifier.verify(minted.token)).code === 'REVOKED');
  });

  it("when node B stops hearing changes its verifiers stop trusting their caches, then reconnect", async () => {
    const minted = await onA.apiTokens.create({ name: 'listener drop' });
    await verifier.verify(minted.token);
    const pid = b.changeListener!.backendPid;
    await sql`select pg_terminate_backend(${pid})`.execute(a.deps.db);
    await eventually(() => !verifier.connected);
    const bypassed = verifier.stats().bypassed;
    expect((await verifier.verify(minted.token)).code).toBe('VALID');
    expect(verifier.stats().bypassed).toBe(bypassed + 1);
    // Back once B listens again (it refuses streams with 503 until then).
    await verifier.ready();
    expect(b.changeListener!.backendPid).not.toBe(pid);
    await verifier.verify(minted.token);
    const hits = verifier.stats().hits;
    await verifier.verify(minted.token);
    expect(verifier.stats().hits).toBe(hits + 1);
    await onA.apiTokens.revoke(minted.id);
    await eventually(async () => (await verifier.verify(minted.token)).code === 'REVOKED');
  });
});
