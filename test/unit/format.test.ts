import { describe, expect, it } from 'vitest';
import { BASE62 } from '../../src/random.js';
import { BODY_LENGTH, checksum, CHECKSUM_LENGTH, displayPrefix, generateToken, MAX_TOKEN_LENGTH, parseToken, scannerPattern } from '../../src/tokens/format.js';

/** The same token with the character at `index` replaced by a different base62 character. */
function mutate(token: string, index: number): string {
  const current = token[index]!;
  const replacement = BASE62[(BASE62.indexOf(current) + 1) % BASE62.length]!;
  return token.slice(0, index) + replacement + token.slice(index + 1);
}

describe('token format', () => {
  it('has the shape <prefix>_<kind>_<body><checksum>', () => {
    const token = generateToken('lk', 'pat');
    expect(token).toMatch(new RegExp(`^lk_pat_[0-9A-Za-z]{${BODY_LENGTH + CHECKSUM_LENGTH}}$`));
    expect(BODY_LENGTH).toBeGreaterThanOrEqual(32);
    expect(generateToken('lk', 'sat')).toMatch(/^lk_sat_/);
    expect(generateToken('cpt', 'pat')).toMatch(/^cpt_pat_/);
  });

  it('ends in the CRC32 of everything before it', () => {
    const token = generateToken('lk', 'pat');
    expect(token.slice(-CHECKSUM_LENGTH)).toBe(checksum(token.slice(0, -CHECKSUM_LENGTH)));
  });

  it('never repeats a body', () => {
    const bodies = new Set(Array.from({ length: 200 }, () => generateToken('lk', 'pat')));
    expect(bodies.size).toBe(200);
  });

  it('shows a display prefix of the kind and the first 4 body characters', () => {
    const token = generateToken('lk', 'pat');
    expect(displayPrefix(token)).toBe(token.slice(0, 'lk_pat_'.length + 4));
    const cpt = generateToken('cpt', 'sat');
    expect(displayPrefix(cpt)).toBe(cpt.slice(0, 'cpt_sat_'.length + 4));
    expect(parseToken(token, 'lk')).toEqual({ kind: 'pat', displayPrefix: displayPrefix(token) });
  });

  it('parses its own tokens of every kind', () => {
    expect(parseToken(generateToken('lk', 'pat'), 'lk')?.kind).toBe('pat');
    expect(parseToken(generateToken('lk', 'sat'), 'lk')?.kind).toBe('sat');
    expect(parseToken(generateToken('lk', 'inv'), 'lk')?.kind).toBe('inv');
  });

  it('rejects a one-character change anywhere in the body or checksum', () => {
    const token = generateToken('lk', 'pat');
    for (let i = 'lk_pat_'.length; i < token.length; i++) {
      expect(parseToken(mutate(token, i), 'lk'), `change at ${i}`).toBeNull();
    }
  });

  it('rejects two adjacent characters swapped', () => {
    const token = generateToken('lk', 'pat');
    const i = 10;
    if (token[i] !== token[i + 1]) {
      const swapped = token.slice(0, i) + token[i + 1] + token[i] + token.slice(i + 2);
      expect(parseToken(swapped, 'lk')).toBeNull();
    }
  });

  it("rejects another deployment's prefix, even with a valid checksum", () => {
    const foreign = generateToken('cpt', 'pat');
    expect(parseToken(foreign, 'cpt')).not.toBeNull();
    expect(parseToken(foreign, 'lk')).toBeNull();
  });

  it('rejects an unknown kind with a valid checksum', () => {
    const head = `lk_xyz_${'a'.repeat(BODY_LENGTH)}`;
    expect(parseToken(head + checksum(head), 'lk')).toBeNull();
  });

  it('rejects truncated tokens', () => {
    const token = generateToken('lk', 'pat');
    for (const cut of [1, 6, 20, token.length - 8]) {
      expect(parseToken(token.slice(0, token.length - cut), 'lk'), `cut ${cut}`).toBeNull();
    }
    expect(parseToken('', 'lk')).toBeNull();
    expect(parseToken('lk_pat_', 'lk')).toBeNull();
  });

  it('rejects a token that is too long, with or without a recomputed checksum', () => {
    const token = generateToken('lk', 'pat');
    expect(parseToken(token + 'a', 'lk')).toBeNull();
    const longHead = `lk_pat_${'b'.repeat(MAX_TOKEN_LENGTH)}`;
    expect(parseToken(longHead + checksum(longHead), 'lk')).toBeNull();
    expect(parseToken('x'.repeat(100_000), 'lk')).toBeNull();
  });

  it('rejects surrounding whitespace, separators and non-base62 characters', () => {
    const token = generateToken('lk', 'pat');
    expect(parseToken(` ${token}`, 'lk')).toBeNull();
    expect(parseToken(`${token}\n`, 'lk')).toBeNull();
    expect(parseToken(token.replace('lk_pat_', 'lk-pat-'), 'lk')).toBeNull();
    expect(parseToken(token.slice(0, 12) + '/' + token.slice(13), 'lk')).toBeNull();
    expect(parseToken(token.toUpperCase(), 'lk')).toBeNull();
  });

  it('gives secret scanners a regex that finds personal and service tokens in text', () => {
    const pat = generateToken('lk', 'pat');
    const sat = generateToken('lk', 'sat');
    const text = `export A=${pat}\n{"key":"${sat}"} and lk_pat_short`;
    expect(text.match(scannerPattern('lk'))).toEqual([pat, sat]);
  });
});
