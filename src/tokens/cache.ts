// The verification fast path: what resolveToken found for a token, kept in memory
// by a hash of the token (never its plaintext), so a repeated verification does
// no database work. Exactness (SPEC §3–4) comes from three rules:
//   - Time: an entry is served only while the clock is before the token's expiry,
//     the end of a rolled secret's grace period, and the TTL backstop. Past any of
//     them the entry is dropped and resolveToken decides, so EXPIRED/REVOKED come
//     from the one place that knows them, at the exact instant.
//   - Changes: every permission-relevant write goes through change(), which calls
//     invalidateOrg() after commit and before responding (and, on PostgreSQL, other
//     nodes hear of it by NOTIFY). Each org carries the sequence number of its last
//     change; a reader notes the sequence before its database read and refuses to
//     store what it read if the org changed meanwhile, so a lookup that raced a
//     commit never re-caches the state that commit replaced.
//   - Deafness: when the node cannot hear other nodes' changes (its PostgreSQL
//     listener is down), the cache is emptied and bypassed until it hears again.
//   - Other processes: on SQLite a server-side CLI command may write the file
//     directly. PRAGMA data_version (one cheap call, made at most every
//     `externalCheckMs`) changes when another connection commits; then the whole
//     cache is dropped.
// With changes pushed, the TTL is only a backstop (minutes), and the cache is an
// LRU bounded by `maxEntries`, so thousands of distinct tokens stay cached.
// Only successful resolutions and NOT_FOUND are cached; every other failure goes
// to the database each time.
import * as crypto from 'node:crypto';
import { resolveToken, type TokenResolution } from '../auth/credentials.js';
import { DEFAULT_TOKEN_CACHE, type TokenCacheOptions } from '../config.js';
import type { Deps } from '../deps.js';
import { MAX_TOKEN_LENGTH } from './format.js';

type Resolved = Extract<TokenResolution, { ok: true }>;

/**
 * The cache key: SHA-256 of the token, not the stored HMAC. The key never leaves
 * this process, whose memory holds the pepper too, so keying it adds nothing;
 * like the HMAC, a SHA-256 of a ≥190-bit random token can neither be reversed nor
 * presented in its place. It costs a fifth of an HMAC, which was the largest cost
 * of a hit. (One-shot crypto.hash from Node 20.12; createHash before.)
 */
const keyOf: (presented: string) => string =
  typeof crypto.hash === 'function' ? (presented) => crypto.hash('sha256', presented, 'base64') : (presented) => crypto.createHash('sha256').update(presented).digest('base64');

interface Entry {
  resolution: Resolved;
  orgId: string;
  /** The sequence number noted before the read that produced it. */
  readAt: number;
  /** Epoch ms from which the entry must not be served (expiry, grace end or TTL). */
  freshUntil: number;
}

export interface TokenCacheStats {
  hits: number;
  misses: number;
  negativeHits: number;
  /** Entries refused because their org changed while they were being read. */
  refused: number;
  flushes: number;
  size: number;
}

const NOT_FOUND: TokenResolution = Object.freeze({ ok: false, code: 'NOT_FOUND', token: null, orgId: null });

export class TokenCache {
  private readonly entries = new Map<string, Entry>();
  /**
   * Why negative entries are not dropped when an org changes: a key enters this
   * map only after a lookup found no secret for its token, and for that token to exist
   * later a mint or roll would have to draw exactly the presented value from the
   * CSPRNG (≥190 bits), so a real new token is never hidden by it. The short TTL
   * covers what does not go through change() (a restored backup, a row written by
   * hand); the size bound keeps a flood of fabricated tokens from growing memory.
   */
  private readonly unknown = new Map<string, number>();
  /** Org id → sequence number of its last change. */
  private readonly orgChangedAt = new Map<string, number>();
  private sequence = 0;
  /** Reads that began before this sequence number are never stored (a flush happened after they began). */
  private floor = 0;
  private listening = true;
  private readonly counters = { hits: 0, misses: 0, negativeHits: 0, refused: 0, flushes: 0 };

  private readonly options: TokenCacheOptions;
  /** Last PRAGMA data_version seen, and when (real time, not the injected clock: it paces polling). */
  private dataVersion: number | null = null;
  private checkedAt = 0;

  constructor(
    private readonly deps: Deps,
    options: Partial<TokenCacheOptions> = DEFAULT_TOKEN_CACHE,
    /** SQLite's data_version reader (db/connect.ts); absent on PostgreSQL, where NOTIFY tells. */
    private readonly externalVersion?: () => number,
  ) {
    this.options = { ...DEFAULT_TOKEN_CACHE, ...options };
  }

  /** Same contract as resolveToken(deps, presented), answered from memory when it safely can be. */
  async resolve(presented: string): Promise<TokenResolution> {
    if (this.options.ttlMs <= 0 || !this.listening || presented.length > MAX_TOKEN_LENGTH) return resolveToken(this.deps, presented);
    if (this.externalVersion !== undefined) this.checkExternalWrites();
    const key = keyOf(presented);
    const now = this.deps.clock.now().getTime();

    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (now < entry.freshUntil && entry.readAt >= this.floor && (this.orgChangedAt.get(entry.orgId) ?? 0) <= entry.readAt) {
        this.counters.hits++;
        // Least recently used goes first: a hit moves the entry to the young end.
        this.entries.delete(key);
        this.entries.set(key, entry);
        return entry.resolution;
      }
      this.entries.delete(key);
    } else {
      const unknownUntil = this.unknown.get(key);
      if (unknownUntil !== undefined) {
        if (now < unknownUntil) {
          this.counters.negativeHits++;
          return NOT_FOUND;
        }
        this.unknown.delete(key);
      }
    }

    this.counters.misses++;
    const readAt = this.sequence;
    const resolution = await resolveToken(this.deps, presented);
    if (resolution.ok) this.store(key, resolution, readAt);
    else if (resolution.code === 'NOT_FOUND' && readAt >= this.floor) {
      if (this.unknown.size >= this.options.maxEntries) this.evictOldest(this.unknown);
      this.unknown.set(key, now + this.options.negativeTtlMs);
    }
    return resolution;
  }

  /** Drops everything when another process has committed to the SQLite file since the last look. */
  private checkExternalWrites(): void {
    const now = performance.now();
    if (now - this.checkedAt < this.options.externalCheckMs) return;
    this.checkedAt = now;
    let version: number;
    try {
      version = this.externalVersion!();
    } catch {
      // Cannot tell (the connection is busy or closing): trust nothing read before now.
      this.flush();
      return;
    }
    if (this.dataVersion !== null && version !== this.dataVersion) this.flush();
    this.dataVersion = version;
  }

  /** The org's state changed (after commit): nothing read before now may be served or stored. */
  invalidateOrg(orgId: string): void {
    this.orgChangedAt.set(orgId, ++this.sequence);
  }

  /** Forget everything, including reads in flight (used when changes may have been missed or made elsewhere). */
  flush(): void {
    this.floor = ++this.sequence;
    this.entries.clear();
    this.unknown.clear();
    this.counters.flushes++;
  }

  /**
   * Whether this node hears every change. While it does not (a lost PostgreSQL
   * listener), nothing is cached; both transitions flush, since changes may have
   * been missed in between.
   */
  setListening(listening: boolean): void {
    this.flush();
    this.listening = listening;
  }

  get isListening(): boolean {
    return this.listening;
  }

  stats(): TokenCacheStats {
    return { ...this.counters, size: this.entries.size };
  }

  private store(key: string, resolution: Resolved, readAt: number): void {
    const orgId = resolution.actor.org.id;
    if (readAt < this.floor || (this.orgChangedAt.get(orgId) ?? 0) > readAt) {
      this.counters.refused++;
      return;
    }
    let freshUntil = this.deps.clock.now().getTime() + this.options.ttlMs;
    const expiresAt = resolution.token.expires_at;
    if (expiresAt !== null) freshUntil = Math.min(freshUntil, Date.parse(expiresAt));
    if (resolution.secretValidUntil !== null) freshUntil = Math.min(freshUntil, Date.parse(resolution.secretValidUntil));
    if (this.entries.size >= this.options.maxEntries) this.evictOldest(this.entries);
    // Every hit hands out this same object: frozen, a caller that modifies it fails loudly instead of changing the next caller's answer.
    this.entries.set(key, { resolution: deepFreeze(resolution), orgId, readAt, freshUntil });
  }

  /** Maps iterate in insertion order, and hits re-insert, so the first key is the least recently used. */
  private evictOldest(map: Map<string, unknown>): void {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** resolveToken through the app's cache when it has one (the CLI has none). */
export function resolveTokenCached(deps: Deps, presented: string): Promise<TokenResolution> {
  return deps.tokenCache ? deps.tokenCache.resolve(presented) : resolveToken(deps, presented);
}
