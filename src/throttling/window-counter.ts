// Fixed-window counters in a bounded map: the one structure behind per-token rate
// limits and every throttle (failed logins, failed bearer authentications, verify
// failures, public revocation reports). In memory, per node, no database access.
//
// Bounded: at most `maxKeys` windows are kept. A new key arriving at a full map
// evicts the window that started earliest (the map keeps insertion order, and a
// window that restarts is re-inserted at the end), so an attacker cycling through
// addresses cannot grow memory; the price is that such a flood can push out an
// older key's count early, which only ever errs towards letting a request try.

interface Window {
  start: number;
  count: number;
}

export class WindowCounter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly maxKeys: number) {}

  /** Counts one event for key; returns the seconds to wait if this event is over `limit` in the window, else 0. */
  hit(key: string, nowMs: number, limit: number, windowMs: number): number {
    const window = this.current(key, nowMs, windowMs);
    if (window === undefined) {
      this.open(key, nowMs);
      return limit < 1 ? secondsLeft(nowMs, nowMs, windowMs) : 0;
    }
    window.count++;
    return window.count > limit ? secondsLeft(window.start, nowMs, windowMs) : 0;
  }

  /** Seconds to wait when key has already reached `limit` in its window (without counting), else 0. */
  blockedFor(key: string, nowMs: number, limit: number, windowMs: number): number {
    const window = this.current(key, nowMs, windowMs);
    return window !== undefined && window.count >= limit ? secondsLeft(window.start, nowMs, windowMs) : 0;
  }

  /** How many events key has in its current window. */
  count(key: string, nowMs: number, windowMs: number): number {
    return this.current(key, nowMs, windowMs)?.count ?? 0;
  }

  reset(key: string): void {
    this.windows.delete(key);
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string, nowMs: number, windowMs: number): Window | undefined {
    const window = this.windows.get(key);
    if (window === undefined) return undefined;
    if (nowMs - window.start >= windowMs) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private open(key: string, nowMs: number): void {
    if (this.windows.size >= this.maxKeys) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(key, { start: nowMs, count: 1 });
  }
}

/** Whole seconds until the window that began at `start` ends (at least 1, for Retry-After). */
function secondsLeft(start: number, nowMs: number, windowMs: number): number {
  return Math.max(1, Math.ceil((start + windowMs - nowMs) / 1000));
}
