// The SDK verifier's cache on its own, with a hand-moved clock: hits, TTL,
// expiry and grace checked at hit time, event drops (one token, the whole org),
// distrust while the stream is down, and the races it refuses to store.
import { beforeEach, describe, expect, it } from 'vitest';
import { VerifyCache, type VerifyResult } from '@latchkey/sdk';

let now = 1_000_000;
let cache: VerifyCache;

beforeEach(() => {
  now = Date.parse('2026-01-01T00:00:00Z');
  cache = new VerifyCache({ ttlMs: 10_000, negativeTtlMs: 2_000, maxEntries: 100, settleMs: 1_000, now: () => now });
  cache.setTrusted(true);
});

function answer(tokenId: string | null, extra: { code?: VerifyResult['code']; expiresAt?: string | null; secretValidUntil?: string | null } = {}): VerifyResult {
  const code = extra.code ?? (tokenId ? 'VALID' : 'NOT_FOUND');
  return {
    valid: code === 'VALID' || code === 'FORBIDDEN',
    code,
    allowed: code === 'VALID',
    token: tokenId ? { id: tokenId, name: 'n', kind: 'personal', prefix: 'lk_pat_abcd', expiresAt: extra.expiresAt ?? null, secretValidUntil: extra.secretValidUntil ?? null } : null,
    principal: null,
    org: null,
    scopes: [],
    grants: [],
  };
}

const store = (key: string, result: VerifyResult) => cache.set(key, result, cache.begin());

describe('VerifyCache', () => {
  it('serves a stored answer until its TTL, then misses', () => {
    const result = answer('tok_1');
    store('k1', result);
    expect(cache.get('k1')).toBe(result);
    now += 9_999;
    expect(cache.get('k1')).toBe(result);
    now += 1;
    expect(cache.get('k1')).toBeUndefined();
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1, size: 0 });
  });

  it('checks the token expiry and a rolled secret’s grace end at hit time', () => {
    store('expiring', answer('tok_1', { expiresAt: new Date(now + 3_000).toISOString() }));
    store('rolled', answer('tok_2', { secretValidUntil: new Date(now + 5_000).toISOString() }));
    now += 2_999;
    expect(cache.get('expiring')).toBeDefined();
    now += 1;
    expect(cache.get('expiring')).toBeUndefined();
    expect(cache.get('rolled')).toBeDefined();
    now += 2_000;
    expect(cache.get('rolled')).toBeUndefined();
    // An answer already past its expiry is not stored at all.
    store('expired', answer('tok_3', { code: 'EXPIRED', expiresAt: new Date(now - 1).toISOString() }));
    expect(cache.get('expired')).toBeUndefined();
  });

  it('an event naming a token drops every answer about it and nothing else', () => {
    store('a/read', answer('tok_a'));
    store('a/write', answer('tok_a', { code: 'FORBIDDEN' }));
    store('b/read', answer('tok_b'));
    cache.invalidate({ tokenIds: ['tok_a'] });
    expect(cache.get('a/read')).toBeUndefined();
    expect(cache.get('a/write')).toBeUndefined();
    expect(cache.get('b/read')).toBeDefined();
  });

  it('an org-wide event drops every answer about a token, but keeps "no such token"', () => {
    store('a', answer('tok_a'));
    store('b', answer('tok_b', { code: 'REVOKED' }));
    store('unknown', answer(null));
    cache.invalidate({ all: true });
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('unknown')).toBeDefined();
    now += 2_000;
    expect(cache.get('unknown')).toBeUndefined();
  });

  it('is not trusted while the stream is down: nothing served or stored, and it starts empty again', () => {
    store('a', answer('tok_a'));
    cache.setTrusted(false);
    expect(cache.get('a')).toBeUndefined();
    store('b', answer('tok_b'));
    cache.setTrusted(true);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('b')).toBeUndefined();
  });

  it('refuses an answer fetched across an event, or about a token that changed within the settle window', () => {
    const readAt = cache.begin();
    cache.invalidate({ tokenIds: ['tok_other'] });
    cache.set('raced', answer('tok_a'), readAt);
    expect(cache.get('raced')).toBeUndefined();

    store('settling', answer('tok_other'));
    expect(cache.get('settling')).toBeUndefined();
    now += 1_001;
    store('settled', answer('tok_other'));
    expect(cache.get('settled')).toBeDefined();

    cache.invalidate({ all: true });
    store('org settling', answer('tok_z'));
    expect(cache.get('org settling')).toBeUndefined();
    expect(cache.stats().refused).toBe(3);
  });

  it('never stores RATE_LIMITED, and holds at most maxEntries (the oldest go first)', () => {
    store('limited', answer('tok_a', { code: 'RATE_LIMITED' }));
    expect(cache.get('limited')).toBeUndefined();
    const small = new VerifyCache({ ttlMs: 10_000, negativeTtlMs: 2_000, maxEntries: 2, settleMs: 0, now: () => now });
    small.setTrusted(true);
    for (const key of ['1', '2', '3']) small.set(key, answer(`tok_${key}`), small.begin());
    expect(small.get('1')).toBeUndefined();
    expect(small.get('2')).toBeDefined();
    expect(small.get('3')).toBeDefined();
    expect(small.stats().size).toBe(2);
  });
});
