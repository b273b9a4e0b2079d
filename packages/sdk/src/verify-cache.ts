// The verifier's in-process cache of verify answers. Exactness comes from four
// rules, the same the server's own cache follows:
//   - Trust: answers are served and stored only while the event stream is
//     connected; connecting and disconnecting both empty the cache, since changes
//     may have been missed in between.
//   - Events: an `invalidate` event drops the answers about the tokens it names
//     (or every token's, for `all`). An answer whose request began before any
//     event arrived is not stored (it may predate the change), nor is one about a
//     token (or org) that changed within the last `settleMs` (another node may
//     not have heard of the change yet when it answered).
//   - Time: an answer is served only until the token expires, until a rolled
//     secret's grace period ends, and for at most `ttlMs`; checked on every hit.
//   - Keys: the SHA-256 of the token with the question asked, never the token.
// Answers about no known token (NOT_FOUND, MALFORMED) are kept `negativeTtlMs`
// and survive events: no change can make a never-issued value valid.
import type { VerifyResult } from './types.js';

export interface VerifyCacheOptions {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
  settleMs: number;
  now: () => number;
}

interface Entry {
  result: VerifyResult;
  tokenId: string | null;
  until: number;
}

export interface VerifyCacheStats {
  hits: number;
  misses: number;
  /** Answers not stored because an event arrived while they were being fetched, or too soon after one. */
  refused: number;
  invalidations: number;
  size: number;
}

/** Answers that depend on more than the token's state (a rate window) are never cached. */
const UNCACHEABLE = new Set(['RATE_LIMITED']);

export class VerifyCache {
  private readonly entries = new Map<string, Entry>();
  private readonly keysByToken = new Map<string, Set<string>>();
  /** Token id → when it last changed (epoch ms); `allChangedAt` for the org as a whole. */
  private readonly tokenChangedAt = new Map<string, number>();
  private allChangedAt = -Infinity;
  private sequence = 0;
  private trusted = false;
  private readonly counters = { hits: 0, misses: 0, refused: 0, invalidations: 0 };

  constructor(private readonly options: VerifyCacheOptions) {}

  get isTrusted(): boolean {
    return this.trusted;
  }

  /** The cached answer, if one may be served now. */
  get(key: string): VerifyResult | undefined {
    if (!this.trusted) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.counters.misses++;
      return undefined;
    }
    if (this.options.now() >= entry.until) {
      this.delete(key, entry);
      this.counters.misses++;
      return undefined;
    }
    this.counters.hits++;
    return entry.result;
  }

  /** Call before fetching an answer; pass the value to `set`. */
  begin(): number {
    return this.sequence;
  }

  /** Stores an answer fetched since `begin()` returned `readAt`, if it is still safe to. */
  set(key: string, result: VerifyResult, readAt: number): void {
    if (!this.trusted || this.options.ttlMs <= 0 || UNCACHEABLE.has(result.code)) return;
    const now = this.options.now();
    const tokenId = result.token?.id ?? null;
    const settledAfter = now - this.options.settleMs;
    if (readAt !== this.sequence || (tokenId !== null && (this.allChangedAt > settledAfter || (this.tokenChangedAt.get(tokenId) ?? -Infinity) > settledAfter))) {
      this.counters.refused++;
      return;
    }
    let until = now + (tokenId === null ? Math.min(this.options.negativeTtlMs, this.options.ttlMs) : this.options.ttlMs);
    const token = result.token;
    if (token?.expiresAt) until = Math.min(until, Date.parse(token.expiresAt));
    if (token?.secretValidUntil) until = Math.min(until, Date.parse(token.secretValidUntil));
    if (!(until > now)) return;

    const existing = this.entries.get(key);
    if (existing) this.delete(key, existing);
    if (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.entries().next();
      if (!oldest.done) this.delete(oldest.value[0], oldest.value[1]);
    }
    this.entries.set(key, { result, tokenId, until });
    if (tokenId !== null) {
      let keys = this.keysByToken.get(tokenId);
      if (!keys) this.keysByToken.set(tokenId, (keys = new Set()));
      keys.add(key);
    }
  }

  /** An `invalidate` event: drop what it names. */
  invalidate(event: { tokenIds?: readonly string[] | undefined; all?: boolean | undefined }): void {
    this.sequence++;
    this.counters.invalidations++;
    const now = this.options.now();
    if (event.all || event.tokenIds === undefined) {
      this.allChangedAt = now;
      this.tokenChangedAt.clear();
      for (const keys of this.keysByToken.values()) for (const key of keys) this.entries.delete(key);
      this.keysByToken.clear();
      return;
    }
    for (const tokenId of event.tokenIds) {
      this.tokenChangedAt.set(tokenId, now);
      const keys = this.keysByToken.get(tokenId);
      if (!keys) continue;
      for (const key of keys) this.entries.delete(key);
      this.keysByToken.delete(tokenId);
    }
    // Forget change times older than the settle window, so the map stays small.
    if (this.tokenChangedAt.size > 1000) {
      for (const [id, at] of this.tokenChangedAt) if (at <= now - this.options.settleMs) this.tokenChangedAt.delete(id);
    }
  }

  /** The stream connected (true) or was lost (false): either way, start empty. */
  setTrusted(trusted: boolean): void {
    this.sequence++;
    this.entries.clear();
    this.keysByToken.clear();
    this.trusted = trusted;
  }

  stats(): VerifyCacheStats {
    return { ...this.counters, size: this.entries.size };
  }

  private delete(key: string, entry: Entry): void {
    this.entries.delete(key);
    if (entry.tokenId !== null) {
      const keys = this.keysByToken.get(entry.tokenId);
      keys?.delete(key);
      if (keys?.size === 0) this.keysByToken.delete(entry.tokenId);
    }
  }
}
