// The one source of randomness: CSPRNG bytes turned into base62 strings and ids.
import { randomFillSync } from 'node:crypto';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// CSPRNG bytes drawn 4 KiB at a time and handed out once each: one call into
// OpenSSL per ~80 ids instead of one per id (a request id is made per request).
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function randomByte(): number {
  if (poolOffset === pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const byte = pool[poolOffset]!;
  pool[poolOffset++] = 0; // a byte handed out does not linger in memory
  return byte;
}

/** `length` uniformly distributed base62 characters (rejection sampling, no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * An opaque id with a type prefix (`tok_…`): 10 characters of creation time, a
 * 4-character sequence within the millisecond, then 10 random characters. Ids
 * from one process sort in creation order, so they serve as pagination cursors.
 */
let lastMs = -1;
let sequence = 0;

export function newId(prefix: string, now: Date = new Date()): string {
  // Never step back (a test clock, or ids made with and without one): stay monotonic.
  let time = Math.max(now.getTime(), lastMs);
  if (time === lastMs) sequence++;
  else {
    lastMs = time;
    sequence = 0;
  }
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  let seq = '';
  for (let i = 0, n = sequence; i < 4; i++, n = Math.floor(n / 62)) seq = BASE62[n % 62] + seq;
  return `${prefix}_${head}${seq}${randomBase62(10)}`;
}
