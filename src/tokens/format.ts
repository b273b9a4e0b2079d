// The token format: `<prefix>_<kind>_<body><checksum>`. The checksum (CRC32 of
// everything before it, in 6 base62 characters) lets us and secret scanners reject
// a mistyped or fabricated token without touching the database.
import { crc32 } from 'node:zlib';
import { BASE62, randomBase62 } from '../random.js';

/** `pat` personal, `sat` service, `inv` an invitation (never a credential). */
export type TokenKindCode = 'pat' | 'sat' | 'inv';

export const BODY_LENGTH = 36; // 36 × log2(62) ≈ 214 bits
export const CHECKSUM_LENGTH = 6;
const DISPLAY_BODY_CHARS = 4;
/** Longest token we ever look at: anything longer is garbage, not a token. */
export const MAX_TOKEN_LENGTH = 128;

export function checksum(text: string): string {
  let value = crc32(text);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function generateToken(prefix: string, kind: TokenKindCode): string {
  const head = `${prefix}_${kind}_${randomBase62(BODY_LENGTH)}`;
  return head + checksum(head);
}

export interface ParsedToken {
  kind: TokenKindCode;
  displayPrefix: string;
}

const SHAPE = /^([a-z][a-z0-9]{0,15})_(pat|sat|inv)_([0-9A-Za-z]{38,})$/;

/** Checks shape, prefix and checksum; returns null for anything that is not one of our tokens. */
export function parseToken(value: string, expectedPrefix: string): ParsedToken | null {
  if (value.length > MAX_TOKEN_LENGTH) return null;
  const match = SHAPE.exec(value);
  if (!match || match[1] !== expectedPrefix) return null;
  const head = value.slice(0, -CHECKSUM_LENGTH);
  if (checksum(head) !== value.slice(-CHECKSUM_LENGTH)) return null;
  const kind = match[2] as TokenKindCode;
  return { kind, displayPrefix: displayPrefix(value) };
}

/**
 * `lk_pat_3fKq`: the non-secret part shown in lists and logs. `length` (config
 * `tokenDisplayPrefixLength`) fixes it in characters instead, capped so that it
 * never reaches into the last 32 body characters (≥ 190 bits stay secret).
 */
export function displayPrefix(value: string, length: number | null = null): string {
  const second = value.indexOf('_', value.indexOf('_') + 1);
  if (length === null) return value.slice(0, second + 1 + DISPLAY_BODY_CHARS);
  return value.slice(0, Math.min(length, second + 1 + BODY_LENGTH - 32));
}

/** A regex secret scanners can use to find this deployment's tokens. */
export function scannerPattern(prefix: string): RegExp {
  return new RegExp(`\\b${prefix}_(?:pat|sat)_[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}\\b`, 'g');
}
