// Two nodes on one PostgreSQL database: a change made on one is seen by the
// other's verification cache through LISTEN/NOTIFY, and a node that loses its
// listening connection forgets everything it cached (it may have missed changes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { buildApp, type BuiltApp } from '../../src/http/app.js';
import type { TokenCache } from '../../src/tokens/cache.js';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

let a: TestApp;
let b: BuiltApp;
let org: TestOrg;

beforeAll(async () => {
  a = await createTestApp();
  org = await createTestOrg(a);
  // Node B: same database, pepper and clock as node A.
  b = await buildApp({ config: a.deps.config, pepper: a.pepper, clock: a.clock, logStream: false });
});
afterAll(async () => {
  await b?.app.close();
  await a?.close();
});

const verifyOnB = async (token: string): Promise<string> => {
  const res: LightMyRequestResponse = await b.app.inject({ method: 'POST', url: '/v1/verify', headers: { authorization: `Bearer ${org.token}` }, payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().code as string;
};

const cacheOf = (node: BuiltApp): TokenCache => node.deps.tokenCache!;

async function until(what: string, check: () => Promise<boolean> | boolean, withinMs = 1_000): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > withinMs) throw new Error(`${what}: not within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return performance.now() - started;
}

describe('two nodes on one PostgreSQL', () => {
  it('a revocation on node A is refused by node B within a second, though B had the token cached', async () => {
    const minted = (await request(a, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'two nodes' } })).json();
    expect(await verifyOnB(minted.token)).toBe('VALID');
    const hits = cacheOf(b).stats().hits;
    expect(await verifyOnB(minted.token)).toBe('VALID');
    expect(cacheOf(b).stats().hits).toBeGreaterThan(hits);

    const revoked = await request(a, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    expect(revoked.statusCode).toBe(200);
    await until('node B refuses the revoked token', async () => (await verifyOnB(minted.token)) === 'REVOKED');
  });

  it('an org change on node B reaches node A', async () => {
    const minted = (await request(a, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'org rename' } })).json();
    const verifyOnA = async () => (await request(a, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token: minted.token } })).json();
    await verifyOnA();
    await verifyOnA();
    const renamed = await b.app.inject({ method: 'PATCH', url: '/v1/org', headers: { authorization: `Bearer ${org.token}` }, payload: { name: 'Renamed on B' } });
    expect(renamed.statusCode, renamed.body).toBe(200);
    await until('node A sees the new name', async () => (await verifyOnA()).org.name === 'Renamed on B');
  });

  it('a node whose listening connection drops flushes its cache, reconnects, and caches again', async () => {
    const minted = (await request(a, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'reconnect' } })).json();
    await verifyOnB(minted.token);
    await verifyOnB(minted.token);
    expect(cacheOf(b).stats().size).toBeGreaterThan(0);
    const listener = b.changeListener!;
    const pid = listener.backendPid;
    expect(pid).not.toBeNull();
    const flushes = cacheOf(b).stats().flushes;

    await sql`select pg_terminate_backend(${pid})`.execute(a.deps.db);
    await until('node B notices the drop', () => cacheOf(b).stats().flushes > flushes);
    expect(cacheOf(b).stats().size).toBe(0);
    await until('node B listens again', () => listener.backendPid !== null && listener.backendPid !== pid && cacheOf(b).isListening, 5_000);

    // Caching again, and still hearing node A.
    expect(await verifyOnB(minted.token)).toBe('VALID');
    const hits = cacheOf(b).stats().hits;
    expect(await verifyOnB(minted.token)).toBe('VALID');
    expect(cacheOf(b).stats().hits).toBeGreaterThan(hits);
    await request(a, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });
    await until('node B refuses the revoked token after reconnecting', async () => (await verifyOnB(minted.token)) === 'REVOKED');
  });
});
