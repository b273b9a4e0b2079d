// The SSRF guard: a webhook may only reach public unicast addresses unless the
// operator allows private networks. Checked when an endpoint is registered and
// again on every delivery, on the very addresses the connection is made to
// (after DNS resolution), so a name that later resolves to 127.0.0.1 or the
// cloud metadata address is still refused.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { promises as dns } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError } from '../errors.js';

/** Why an address is refused, or null when it is public unicast. */
export function refusedRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

export class DestinationRefused extends Error {
  constructor(readonly host: string, readonly address: string, readonly range: string) {
    super(`${host} resolves to ${address} (${range}); private, loopback and link-local destinations are refused unless webhooks.allowPrivateNetworks is set`);
    this.name = 'DestinationRefused';
  }
}

/** A URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

const RESOLVE_TIMEOUT_MS = 2_000;

/**
 * Registration-time check: http(s) only, no credentials in the URL, and no host
 * that is, or now resolves to, a refused address. A name that does not resolve
 * yet is accepted; delivery checks again.
 */
export async function assertDestinationAllowed(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalidUrl('is not a URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalidUrl('must be http or https');
  if (url.username || url.password) throw invalidUrl('must not carry credentials');
  const host = hostOf(url);
  if (!host) throw invalidUrl('has no host');
  if (allowPrivate) return url;
  const refuse = (address: string, range: string) => {
    throw new AppError('destination_not_allowed', new DestinationRefused(host, address, range).message, { errors: [{ field: 'url', message: `${range} address refused` }] });
  };
  if (isIP(host)) {
    const range = refusedRange(host);
    if (range) refuse(host, range);
    return url;
  }
  if (host === 'localhost' || host.endsWith('.localhost')) refuse(host, 'loopback');
  const addresses = await resolveQuietly(host);
  for (const { address } of addresses) {
    const range = refusedRange(address);
    if (range) refuse(address, range);
  }
  return url;
}

function invalidUrl(message: string): AppError {
  return new AppError('validation_failed', `The webhook url ${message}`, { errors: [{ field: 'url', message }] });
}

async function resolveQuietly(host: string): Promise<LookupAddress[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LookupAddress[]>((resolve) => {
    timer = setTimeout(() => resolve([]), RESOLVE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([dns.lookup(host, { all: true }).catch(() => []), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A `lookup` for http.request: resolves as usual, then refuses the connection if
 * any address the name resolves to is in a refused range (so the socket can only
 * ever open to an address that was checked).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback: (...args: never[]) => void) => {
    const done = callback as unknown as (err: Error | null, address: string | LookupAddress[], family?: number) => void;
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return done(error, []);
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const range = refusedRange(address);
          if (range) return done(new DestinationRefused(hostname, address, range), []);
        }
      }
      if (options.all) return done(null, addresses);
      const first = addresses[0];
      if (!first) return done(new Error(`${hostname} did not resolve`), []);
      done(null, first.address, first.family);
    });
  };
}
