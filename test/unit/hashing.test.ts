import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPepper, SecretHasher } from '../../src/tokens/hashing.js';
import { generateToken } from '../../src/tokens/format.js';

describe('HMAC hashing of secrets', () => {
  const pepper = randomBytes(32);
  const token = generateToken('lk', 'pat');

  it('is deterministic for one pepper (so it can be looked up) and never the plaintext', () => {
    const hasher = new SecretHasher(pepper);
    const hash = hasher.hash(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hasher.hash(token)).toBe(hash);
    expect(new SecretHasher(Buffer.from(pepper)).hash(token)).toBe(hash);
    expect(hash).not.toContain(token.slice(7, 15));
  });

  it('changes completely with the pepper', () => {
    const a = new SecretHasher(pepper).hash(token);
    const other = Buffer.from(pepper);
    other[0] = other[0]! ^ 1;
    expect(new SecretHasher(other).hash(token)).not.toBe(a);
    expect(new SecretHasher(randomBytes(32)).hash(token)).not.toBe(a);
  });

  it('namespaces by purpose, so a secret of one kind cannot stand in for another', () => {
    const hasher = new SecretHasher(pepper);
    const asToken = hasher.hash(token);
    expect(hasher.hash(token, 'token')).toBe(asToken);
    expect(hasher.hash(token, 'session')).not.toBe(asToken);
    expect(hasher.hash(token, 'invite')).not.toBe(asToken);
    expect(hasher.hash(token, 'session')).not.toBe(hasher.hash(token, 'invite'));
    // The separator keeps purpose and secret apart: ("ab", "c") is not ("a", "bc").
    expect(hasher.hash('c', 'ab')).not.toBe(hasher.hash('bc', 'a'));
  });

  it('differs for tokens one character apart', () => {
    const hasher = new SecretHasher(pepper);
    expect(hasher.hash('lk_pat_a')).not.toBe(hasher.hash('lk_pat_b'));
  });

  it('refuses a pepper shorter than 32 bytes', () => {
    expect(() => new SecretHasher(randomBytes(31))).toThrow(/32 bytes/);
  });

  it('compares hashes by value', () => {
    const hasher = new SecretHasher(pepper);
    const hash = hasher.hash(token);
    expect(hasher.equals(hash, hasher.hash(token))).toBe(true);
    expect(hasher.equals(hash, hasher.hash(token + 'x'))).toBe(false);
    expect(hasher.equals(hash, hash.slice(1))).toBe(false);
  });
});

describe('pepper loading', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkey-pepper-'));
    dirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('creates <dataDir>/pepper with mode 0600 once, then reads the same one', () => {
    const dir = path.join(tempDir(), 'data');
    const created = loadPepper(dir, {}, { create: true });
    expect(created.length).toBeGreaterThanOrEqual(32);
    const file = path.join(dir, 'pepper');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadPepper(dir, {}, { create: false }).equals(created)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(created.toString('hex'));
  });

  it('refuses to run without a pepper unless asked to create one', () => {
    expect(() => loadPepper(tempDir(), {}, { create: false })).toThrow(/pepper/);
  });

  it('prefers LATCHKEY_PEPPER (hex or base64) and rejects a short one', () => {
    const dir = tempDir();
    const bytes = randomBytes(32);
    expect(loadPepper(dir, { LATCHKEY_PEPPER: bytes.toString('hex') }, { create: true }).equals(bytes)).toBe(true);
    expect(loadPepper(dir, { LATCHKEY_PEPPER: randomBytes(48).toString('base64') }, { create: true }).length).toBe(48);
    expect(() => loadPepper(dir, { LATCHKEY_PEPPER: 'abcd' }, { create: true })).toThrow(/32 bytes/);
  });
});
