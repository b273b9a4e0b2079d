// Per-token limits (SPEC §10), set at mint and enforced on every use:
//   allowedIps  CIDR ranges (IPv4 and IPv6) the token may be used from;
//   rateLimit   at most `limit` uses per `windowSeconds`.
// Checked on the hot path from memory only: a token row's limits are compiled
// once per row object (the verification cache hands out the same row on every
// hit), and uses are counted in a bounded per-node WindowCounter. With several
// nodes each counts on its own, so a token may make up to limit × nodes uses per
// window in total behind a load balancer.
import { BlockList, isIP } from 'node:net';
import type { TokensTable } from '../db/schema.js';
import { AppError, type FieldError } from '../errors.js';
import type { RateSetting } from '../throttling/throttles.js';
import { WindowCounter } from '../throttling/window-counter.js';

export type RateLimit = RateSetting;

export interface TokenLimits {
  allowedIps: string[] | null;
  rateLimit: RateLimit | null;
}

/** What a mint request may say about limits (omitted or null: none, or the minting token's). */
export interface LimitsInput {
  allowedIps?: string[] | null | undefined;
  rateLimit?: RateLimit | null | undefined;
}

interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** `10.0.0.0/8`, `2001:db8::/32`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return null;
  const max = version === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits)) return null;
    prefix = Number(bits);
    if (prefix > max) return null;
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

function blockListOf(ranges: Cidr[]): BlockList {
  const list = new BlockList();
  for (const range of ranges) list.addSubnet(range.address, range.prefix, range.family);
  return list;
}

/** Whether an address is inside a compiled range list (IPv4-mapped IPv6 addresses match IPv4 ranges). */
function contains(list: BlockList, ip: string): boolean {
  const version = isIP(ip);
  return version !== 0 && list.check(ip, version === 4 ? 'ipv4' : 'ipv6');
}

function invalid(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field} ${message}`, { errors: [{ field, message }] });
}

/**
 * The limits a new token gets, checked. When a token mints a token, the child
 * may not escape its parent's limits: omitted limits are inherited, each of the
 * child's ranges must lie inside one of the parent's, and its rate may not be faster.
 */
export function resolveLimits(input: LimitsInput, parent: TokenLimits | null): TokenLimits {
  let allowedIps = input.allowedIps ?? null;
  if (allowedIps !== null) {
    const errors: FieldError[] = [];
    const parsed: Cidr[] = [];
    allowedIps = allowedIps.map((entry, i) => {
      const range = parseCidr(entry.trim());
      if (range === null) errors.push({ field: `allowedIps/${i}`, message: 'must be an IPv4 or IPv6 address or CIDR range' });
      else parsed.push(range);
      return entry.trim();
    });
    if (errors.length > 0) throw new AppError('validation_failed', 'allowedIps holds an entry that is not an IP range', { errors });
    if (allowedIps.length === 0) throw invalid('allowedIps', 'must list at least one range (omit it to allow any address)');
    if (parent?.allowedIps) {
      const outer = parent.allowedIps.map((r) => parseCidr(r)).filter((r): r is Cidr => r !== null);
      for (const range of parsed) {
        // Inside when some parent range of the same family is no narrower and holds its address.
        const inside = outer.some((p) => p.family === range.family && range.prefix >= p.prefix && contains(blockListOf([p]), range.address));
        if (!inside) throw invalid('allowedIps', `range ${range.address}/${range.prefix} is wider than the minting token's allowedIps`);
      }
    }
  } else if (parent?.allowedIps) {
    allowedIps = parent.allowedIps;
  }
  const rateLimit = input.rateLimit ?? parent?.rateLimit ?? null;
  const cap = parent?.rateLimit;
  // Compared as rates (uses per second), cross-multiplied to stay in integers.
  if (cap && rateLimit && rateLimit.limit * cap.windowSeconds > cap.limit * rateLimit.windowSeconds) {
    throw invalid('rateLimit', `is faster than the minting token's (${cap.limit} per ${cap.windowSeconds} s)`);
  }
  return { allowedIps, rateLimit };
}

export function limitsOf(row: Pick<TokensTable, 'allowed_ips' | 'rate_limit'>): TokenLimits {
  return {
    allowedIps: row.allowed_ips === null ? null : (JSON.parse(row.allowed_ips) as string[]),
    rateLimit: row.rate_limit === null ? null : (JSON.parse(row.rate_limit) as RateLimit),
  };
}

export function storedLimits(limits: TokenLimits): Pick<TokensTable, 'allowed_ips' | 'rate_limit'> {
  return {
    allowed_ips: limits.allowedIps === null ? null : JSON.stringify(limits.allowedIps),
    rate_limit: limits.rateLimit === null ? null : JSON.stringify(limits.rateLimit),
  };
}

interface Compiled {
  ips: BlockList | null;
  limit: number;
  windowMs: number;
}

export type LimitRefusal = { code: 'IP_NOT_ALLOWED' } | { code: 'RATE_LIMITED'; retryAfterSeconds: number };

const IP_NOT_ALLOWED: LimitRefusal = Object.freeze({ code: 'IP_NOT_ALLOWED' });

/** Enforces tokens' limits on use. One per app (per node). */
export class TokenLimiter {
  private readonly compiled = new WeakMap<TokensTable, Compiled>();
  private readonly uses: WindowCounter;

  constructor(maxTokens = 100_000) {
    this.uses = new WindowCounter(maxTokens);
  }

  /** Null when this use is within the token's limits (and counts it), else why not. */
  check(token: TokensTable, ip: string | null, nowMs: number): LimitRefusal | null {
    if (token.allowed_ips === null && token.rate_limit === null) return null;
    let compiled = this.compiled.get(token);
    if (compiled === undefined) {
      const limits = limitsOf(token);
      compiled = {
        ips: limits.allowedIps === null ? null : blockListOf(limits.allowedIps.map((r) => parseCidr(r)).filter((r): r is Cidr => r !== null)),
        limit: limits.rateLimit?.limit ?? 0,
        windowMs: (limits.rateLimit?.windowSeconds ?? 0) * 1000,
      };
      this.compiled.set(token, compiled);
    }
    if (compiled.ips !== null && (ip === null || !contains(compiled.ips, ip))) return IP_NOT_ALLOWED;
    if (compiled.windowMs > 0) {
      const wait = this.uses.hit(token.id, nowMs, compiled.limit, compiled.windowMs);
      if (wait > 0) return { code: 'RATE_LIMITED', retryAfterSeconds: wait };
    }
    return null;
  }
}
