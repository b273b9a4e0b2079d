// Fixed-window counters in a bounded map: the one structure behind per-token rate
// limits and every throttle (failed logins, failed bearer authentications, verify
// failures, public revocation reports). In memory, per node, no database access.
//
// Bounded in two generations: new keys go into `current`; when it holds half the
// bound it becomes `previous` and the older `previous` is dropped whole, and a key
// found in `previous` moves back to `current`. So at most `maxKeys` windows are
// kept, each step costs O(1), and an attacker cycling through addresses cannot
// grow memory; the price is that such a flood can push out a quiet key's count
// early, which only ever errs towards letting a request try.

interface Window {
  start: number;
  count: number;
}

export class WindowCounter {
  private current = new Map<string, Window>();
  private previous = new Map<string, Window>();
  private readonly generationSize: number;

  constructor(maxKeys: number) {
    this.generationSize = Math.max(1, Math.floor(maxKeys / 2));
  }

  /** Counts one event for key; returns the seconds to wait if this event is over `limit` in the window, else 0. */
  hit(key: string, nowMs: number, limit: number, windowMs: number): number {
    const window = this.live(key, nowMs, windowMs);
    if (window === undefined) {
      this.insert(key, { start: nowMs, count: 1 });
      return limit < 1 ? secondsLeft(nowMs, nowMs, windowMs) : 0;
    }
    window.count++;
    return window.count > limit ? secondsLeft(window.start, nowMs, windowMs) : 0;
  }

  /** Seconds to wait when key has already reached `limit` in its window (without counting), else 0. */
  blockedFor(key: string, nowMs: number, limit: number, windowMs: number): number {
    const window = this.live(key, nowMs, windowMs);
    return window !== undefined && window.count >= limit ? secondsLeft(window.start, nowMs, windowMs) : 0;
  }

  /** How many events key has in its current window. */
  count(key: string, nowMs: number, windowMs: number): number {
    return this.live(key, nowMs, windowMs)?.count ?? 0;
  }

  reset(key: string): void {
    this.current.delete(key);
    this.previous.delete(key);
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Key's window if it has not ended; an ended one is forgotten. */
  private live(key: string, nowMs: number, windowMs: number): Window | undefined {
    let window = this.current.get(key);
    if (window === undefined) {
      window = this.previous.get(key);
      if (window === undefined) return undefined;
      this.previous.delete(key);
      if (nowMs - window.start >= windowMs) return undefined;
      this.insert(key, window);
      return window;
    }
    if (nowMs - window.start >= windowMs) {
      this.current.delete(key);
      return undefined;
    }
    return window;
  }

  private insert(key: string, window: Window): void {
    if (this.current.size >= this.generationSize) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(key, window);
  }
}

/** Whole seconds until the window that began at `start` ends (at least 1, for Retry-After). */
function secondsLeft(start: number, nowMs: number, windowMs: number): number {
  return Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000));
}
