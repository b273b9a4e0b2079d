// TokenCache on its own: what it refuses to store when a change races a read,
// its bounds, and its behaviour while deaf to other nodes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import { createHmac, randomBytes } from 'node:crypto';
import type { Deps } from '../../src/deps.js';
import { SecretHasher } from '../../src/tokens/hashing.js';
import { TokenCache } from '../../src/tokens/cache.js';
import { generateToken } from '../../src/tokens/format.js';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

/**
 * Runs `during` while a query is in flight (its result not yet handed back), and
 * counts queries. It hooks results, not query building, because the hot-path
 * queries are compiled once and then run without being built again.
 */
class QueryHook implements KyselyPlugin {
  count = 0;
  during: (() => void) | null = null;
  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count++;
    const run = this.during;
    this.during = null;
    run?.();
    return args.result;
  }
}

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

function isolated(options: Partial<Deps['config']['tokenCache']> = {}): { cache: TokenCache; hook: QueryHook } {
  const hook = new QueryHook();
  const deps: Deps = { ...t.deps, db: t.deps.db.withPlugin(hook) };
  const cache = new TokenCache(deps, { ...t.deps.config.tokenCache, ...options });
  return { cache, hook };
}

async function mint(): Promise<string> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: `unit ${Math.random()}` } });
  expect(res.statusCode).toBe(201);
  return res.json().token as string;
}

describe('TokenCache', () => {
  it('hits after one read', async () => {
    const { cache, hook } = isolated();
    const token = await mint();
    expect((await cache.resolve(token)).ok).toBe(true);
    const after = hook.count;
    expect((await cache.resolve(token)).ok).toBe(true);
    expect(hook.count).toBe(after);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, size: 1 });
  });

  it('refuses to store a read that an org change raced', async () => {
    const { cache, hook } = isolated();
    const token = await mint();
    hook.during = () => cache.invalidateOrg(org.orgId);
    expect((await cache.resolve(token)).ok).toBe(true);
    expect(cache.stats()).toMatchObject({ refused: 1, size: 0 });
    // The next read, with nothing racing it, is stored.
    await cache.resolve(token);
    expect(cache.stats().size).toBe(1);
  });

  it('a change to another org does not touch this one', async () => {
    const { cache, hook } = isolated();
    const token = await mint();
    await cache.resolve(token);
    cache.invalidateOrg('org_someone_else');
    const before = hook.count;
    await cache.resolve(token);
    expect(hook.count).toBe(before);
  });

  it('refuses to store a read that a flush raced, and drops everything on flush', async () => {
    const { cache, hook } = isolated();
    const [a, b] = [await mint(), await mint()];
    await cache.resolve(a);
    hook.during = () => cache.flush();
    await cache.resolve(b);
    expect(cache.stats()).toMatchObject({ size: 0, refused: 1 });
  });

  it('caches nothing while deaf, and starts empty when it hears again', async () => {
    const { cache, hook } = isolated();
    const token = await mint();
    await cache.resolve(token);
    cache.setListening(false);
    const before = hook.count;
    await cache.resolve(token);
    await cache.resolve(token);
    expect(hook.count).toBeGreaterThanOrEqual(before + 2);
    expect(cache.stats().size).toBe(0);
    cache.setListening(true);
    await cache.resolve(token);
    const warm = hook.count;
    await cache.resolve(token);
    expect(hook.count).toBe(warm);
  });

  it('is an LRU: a hit keeps an entry, and the least recently used goes at the bound', async () => {
    const { cache, hook } = isolated({ maxEntries: 2 });
    const [a, b, c] = [await mint(), await mint(), await mint()];
    await cache.resolve(a);
    await cache.resolve(b);
    await cache.resolve(a); // a is now the most recently used; b the least
    await cache.resolve(c); // evicts b
    expect(cache.stats().size).toBe(2);
    const before = hook.count;
    await cache.resolve(a);
    await cache.resolve(c);
    expect(hook.count).toBe(before);
    await cache.resolve(b);
    expect(hook.count).toBeGreaterThan(before);
  });

  it('drops everything when another process has committed (SQLite data_version), and only then', async () => {
    let version = 1;
    const hook = new QueryHook();
    const deps: Deps = { ...t.deps, db: t.deps.db.withPlugin(hook) };
    const cache = new TokenCache(deps, { ...t.deps.config.tokenCache, externalCheckMs: 0 }, () => version);
    const token = await mint();
    await cache.resolve(token);
    let before = hook.count;
    await cache.resolve(token);
    expect(hook.count).toBe(before);
    version = 2;
    await cache.resolve(token);
    expect(hook.count).toBeGreaterThan(before);
    expect(cache.stats().flushes).toBe(1);
    before = hook.count;
    await cache.resolve(token);
    expect(hook.count).toBe(before);
  });

  it('is bounded: the oldest entries go first, for known and unknown tokens alike', async () => {
    const { cache, hook } = isolated({ maxEntries: 2 });
    const [a, b, c] = [await mint(), await mint(), await mint()];
    for (const token of [a, b, c]) await cache.resolve(token);
    expect(cache.stats().size).toBe(2);
    let before = hook.count;
    await cache.resolve(c);
    expect(hook.count).toBe(before);
    await cache.resolve(a);
    expect(hook.count).toBeGreaterThan(before);

    const unknown = [generateToken('lk', 'pat'), generateToken('lk', 'pat'), generateToken('lk', 'pat')];
    for (const token of unknown) expect(await cache.resolve(token)).toMatchObject({ ok: false, code: 'NOT_FOUND' });
    before = hook.count;
    await cache.resolve(unknown[2]!);
    expect(hook.count).toBe(before);
    await cache.resolve(unknown[0]!);
    expect(hook.count).toBeGreaterThan(before);
  });

  it('forgets an unknown token after the negative TTL', async () => {
    const { cache, hook } = isolated({ negativeTtlMs: 1_000 });
    const unknown = generateToken('lk', 'pat');
    await cache.resolve(unknown);
    let before = hook.count;
    await cache.resolve(unknown);
    expect(hook.count).toBe(before);
    t.clock.advance(1_000);
    before = hook.count;
    await cache.resolve(unknown);
    expect(hook.count).toBeGreaterThan(before);
  });

  it('hands out a frozen answer, so no caller can change the next one', async () => {
    const { cache } = isolated();
    const token = await mint();
    await cache.resolve(token);
    const hit = await cache.resolve(token);
    if (!hit.ok) throw new Error('expected a valid token');
    expect(Object.isFrozen(hit.actor.grants)).toBe(true);
    expect(() => (hit.actor.grants as unknown[]).push({})).toThrow(TypeError);
  });

  it('with ttlMs 0, is off', async () => {
    const { cache, hook } = isolated({ ttlMs: 0 });
    const token = await mint();
    await cache.resolve(token);
    const before = hook.count;
    await cache.resolve(token);
    expect(hook.count).toBeGreaterThan(before);
  });
});

describe('SecretHasher speed-ups keep every stored hash valid', () => {
  it('equals HMAC-SHA-256(pepper, purpose ‖ NUL ‖ secret) as first written', () => {
    const pepper = randomBytes(32);
    const token = generateToken('lk', 'pat');
    const original = (purpose: string) => createHmac('sha256', pepper).update(purpose).update('\0').update(token).digest('hex');
    const hasher = new SecretHasher(pepper);
    expect(hasher.hash(token)).toBe(original('token'));
    expect(hasher.hash(token, 'session')).toBe(original('session'));
  });
});
