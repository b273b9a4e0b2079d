// lk.verifier(): verify tokens in the host API's own process. Answers come from
// POST /v1/verify and are cached (verify-cache.ts) for as long as the server's
// event stream (events.ts) says nothing about them; while the stream is down
// every call goes to the server.
import type { Latchkey } from './client.js';
import { VerifyEventStream } from './events.js';
import { VerifyCache, type VerifyCacheStats } from './verify-cache.js';
import type { VerifyOptions, VerifyResult } from './types.js';

export interface VerifierOptions {
  /** How long an answer may be served from memory at most (default 60 000; 0 turns the cache off). */
  cacheTtlMs?: number;
  /** How long "no such token" is remembered (default 2 000). */
  negativeTtlMs?: number;
  /** Bound on cached answers; the oldest go first (default 10 000). */
  maxEntries?: number;
  /** After an event about a token, its answers are not cached for this long (default 1 000): see verify-cache.ts. */
  settleMs?: number;
  /** Reconnection back-off of the event stream (defaults 100 and 5 000 ms). */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Silence on the stream longer than this means it is dead (default 45 000: three missed heartbeats). */
  idleTimeoutMs?: number;
  /** Told when the event stream fails or drops (the verifier keeps working, uncached, and reconnects). */
  onError?: (error: Error) => void;
  /** The clock, in epoch milliseconds (tests). */
  now?: () => number;
}

export interface VerifierStats extends VerifyCacheStats {
  connected: boolean;
  /** Calls answered by the server because the stream was down. */
  bypassed: number;
}

const MAX_TOKEN_LENGTH = 1024;

type Sha256 = (text: string) => string | Promise<string>;

/** SHA-256 in base64: node:crypto where there is one (synchronous, fast), Web Crypto elsewhere. */
const sha256: Sha256 = await (async (): Promise<Sha256> => {
  try {
    const crypto = await import(/* @vite-ignore */ /* webpackIgnore: true */ 'node:crypto');
    if (typeof crypto.hash === 'function') return (text) => crypto.hash('sha256', text, 'base64');
    return (text) => crypto.createHash('sha256').update(text).digest('base64');
  } catch {
    const encoder = new TextEncoder();
    return async (text) => {
      const digest = new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text)));
      let binary = '';
      for (const byte of digest) binary += String.fromCharCode(byte);
      return btoa(binary);
    };
  }
})();

/** Each part length-prefixed, so no choice of values can make two questions share a key. */
function questionKey(options: VerifyOptions): string {
  const part = (value: string | undefined) => (value === undefined ? '-' : `${value.length}:${value}`);
  return `${part(options.scope)}${part(options.team)}${part(options.resource)}${part(options.ip)}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export class Verifier {
  private readonly cache: VerifyCache;
  private readonly stream: VerifyEventStream;
  private readonly inFlight = new Map<string, Promise<VerifyResult>>();
  private readonly waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  private closed = false;
  private bypassed = 0;

  constructor(
    private readonly client: Latchkey,
    options: VerifierOptions = {},
  ) {
    const now = options.now ?? Date.now;
    this.cache = new VerifyCache({
      ttlMs: options.cacheTtlMs ?? 60_000,
      negativeTtlMs: options.negativeTtlMs ?? 2_000,
      maxEntries: options.maxEntries ?? 10_000,
      settleMs: options.settleMs ?? 1_000,
      now,
    });
    this.stream = new VerifyEventStream(
      client.transport,
      `${client.baseUrl}/v1/verify/events`,
      {
        reconnectMinMs: options.reconnectMinMs ?? 100,
        reconnectMaxMs: options.reconnectMaxMs ?? 5_000,
        idleTimeoutMs: options.idleTimeoutMs ?? 45_000,
        connectTimeoutMs: 10_000,
      },
      {
        onReady: () => {
          this.cache.setTrusted(true);
          for (const waiter of this.waiters) waiter.resolve();
          this.waiters.clear();
        },
        onInvalidate: (event) => this.cache.invalidate(event),
        onDisconnect: (error) => {
          this.cache.setTrusted(false);
          if (error) options.onError?.(error);
        },
      },
    );
  }

  /**
   * The same answer as `POST /v1/verify` for this token and question, from memory
   * when it safely can be. Throws LatchkeyError when Latchkey cannot be asked.
   */
  async verify(token: string, options: VerifyOptions = {}): Promise<VerifyResult> {
    if (this.closed) throw new Error('Verifier: closed');
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return this.client.verify(token, options);
    this.stream.start();
    const hashed = sha256(token);
    const key = (typeof hashed === 'string' ? hashed : await hashed) + questionKey(options);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    if (!this.cache.isTrusted) {
      this.bypassed++;
      return deepFreeze(await this.client.verify(token, options));
    }
    // Concurrent misses for the same question share one request.
    let pending = this.inFlight.get(key);
    if (pending === undefined) {
      pending = this.fetch(key, token, options);
      this.inFlight.set(key, pending);
    }
    return pending;
  }

  private async fetch(key: string, token: string, options: VerifyOptions): Promise<VerifyResult> {
    try {
      const readAt = this.cache.begin();
      const result = deepFreeze(await this.client.verify(token, options));
      this.cache.set(key, result, readAt);
      return result;
    } finally {
      this.inFlight.delete(key);
    }
  }

  /** Whether the event stream is connected (and so the cache in use). */
  get connected(): boolean {
    return this.cache.isTrusted;
  }

  /** Connects the event stream if it is not, and resolves once it is (for start-up and tests). */
  ready(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('Verifier: closed'));
    this.stream.start();
    if (this.cache.isTrusted) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.add({ resolve, reject }));
  }

  stats(): VerifierStats {
    return { ...this.cache.stats(), connected: this.connected, bypassed: this.bypassed };
  }

  /** Closes the event stream; the verifier cannot be used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    for (const waiter of this.waiters) waiter.reject(new Error('Verifier: closed'));
    this.waiters.clear();
    await this.stream.stop();
    this.cache.setTrusted(false);
  }
}
