// The service's throttles (SPEC §10): failed logins per account and IP, failed
// bearer authentications per IP, /v1/verify failures per caller, and public
// revocation reports per IP. Each is a bounded in-memory WindowCounter, so they
// cost no database access and a flood of distinct keys cannot grow memory.
// Counts are per node: behind a load balancer each node keeps its own.
import { WindowCounter } from './window-counter.js';

export interface RateSetting {
  limit: number;
  windowSeconds: number;
}

export interface ThrottleOptions {
  /** Failed logins per account and IP; reaching the limit refuses further attempts until the window ends. */
  loginFailures: RateSetting;
  /** Bearer tokens that are malformed or unknown, per client IP. */
  bearerFailures: RateSetting;
  /** /v1/verify answers MALFORMED or NOT_FOUND, per calling credential. */
  verifyFailures: RateSetting;
  /** POST /v1/credentials/revoke requests per client IP. */
  publicRevocations: RateSetting;
  /** Bound on the keys each throttle remembers. */
  maxKeys: number;
}

export const DEFAULT_THROTTLES: ThrottleOptions = {
  loginFailures: { limit: 10, windowSeconds: 900 },
  bearerFailures: { limit: 100, windowSeconds: 60 },
  verifyFailures: { limit: 1000, windowSeconds: 60 },
  publicRevocations: { limit: 30, windowSeconds: 60 },
  maxKeys: 10_000,
};

class Throttle {
  readonly counter: WindowCounter;
  private readonly windowMs: number;

  constructor(
    private readonly setting: RateSetting,
    maxKeys: number,
  ) {
    this.counter = new WindowCounter(maxKeys);
    this.windowMs = setting.windowSeconds * 1000;
  }

  /** Seconds to wait before key may try again (0: go ahead). */
  blockedFor(key: string, nowMs: number): number {
    return this.counter.blockedFor(key, nowMs, this.setting.limit, this.windowMs);
  }

  /** Records a failure; true when it is the one that reaches the limit (the lockout begins). */
  failed(key: string, nowMs: number): boolean {
    this.counter.hit(key, nowMs, this.setting.limit, this.windowMs);
    return this.counter.count(key, nowMs, this.windowMs) === this.setting.limit;
  }

  /** Counts a request; seconds to wait when it is over the limit (0: go ahead). */
  take(key: string, nowMs: number): number {
    return this.counter.hit(key, nowMs, this.setting.limit, this.windowMs);
  }

  reset(key: string): void {
    this.counter.reset(key);
  }
}

export class Throttles {
  readonly login: Throttle;
  readonly bearer: Throttle;
  readonly verify: Throttle;
  readonly publicRevocations: Throttle;

  constructor(readonly options: ThrottleOptions = DEFAULT_THROTTLES) {
    this.login = new Throttle(options.loginFailures, options.maxKeys);
    this.bearer = new Throttle(options.bearerFailures, options.maxKeys);
    this.verify = new Throttle(options.verifyFailures, options.maxKeys);
    this.publicRevocations = new Throttle(options.publicRevocations, options.maxKeys);
  }

  /** The login throttle's key: the account (normalised email) and the client address together. */
  static loginKey(email: string, ip: string | null): string {
    return `${email}\u0000${ip ?? ''}`;
  }

  /** How many keys each throttle holds now (for tests and metrics). */
  sizes(): Record<'login' | 'bearer' | 'verify' | 'publicRevocations', number> {
    return { login: this.login.counter.size, bearer: this.bearer.counter.size, verify: this.verify.counter.size, publicRevocations: this.publicRevocations.counter.size };
  }
}
