// Tokens are stored only as HMAC-SHA-256 under a server-side pepper. Tokens carry
// >190 bits of entropy, so a fast keyed hash is the right tool: a slow hash (bcrypt)
// adds milliseconds per verification and no security, and the pepper means a
// stolen database alone cannot be used to test guesses.
import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class SecretHasher {
  // A KeyObject, imported once: createHmac with a raw Buffer re-imports the key on every call.
  private readonly key: KeyObject;
  constructor(pepper: Buffer) {
    if (pepper.length < 32) throw new Error('pepper must be at least 32 bytes');
    this.key = createSecretKey(pepper);
  }

  /** Hex HMAC of a secret, namespaced so one secret kind can never stand in for another. */
  hash(secret: string, purpose = 'token'): string {
    return createHmac('sha256', this.key).update(`${purpose}\0${secret}`).digest('hex');
  }

  equals(a: string, b: string): boolean {
    const left = Buffer.from(a);
    const right = Buffer.from(b);
    return left.length === right.length && timingSafeEqual(left, right);
  }
}

const PEPPER_FILE = 'pepper';

/**
 * The pepper comes from LATCHKEY_PEPPER (hex or base64, ≥32 bytes) or from
 * `<dataDir>/pepper`, created with mode 0600 when `create` is set.
 */
export function loadPepper(dataDir: string, env: NodeJS.ProcessEnv, options: { create: boolean }): Buffer {
  const fromEnv = env.LATCHKEY_PEPPER;
  if (fromEnv) {
    const decoded = /^[0-9a-f]+$/i.test(fromEnv) ? Buffer.from(fromEnv, 'hex') : Buffer.from(fromEnv, 'base64');
    if (decoded.length < 32) throw new Error('LATCHKEY_PEPPER must decode to at least 32 bytes');
    return decoded;
  }
  const file = path.join(dataDir, PEPPER_FILE);
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  if (!options.create) throw new Error(`no pepper at ${file}; run \`latchkey init\` or set LATCHKEY_PEPPER`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pepper = randomBytes(32);
  writeFileSync(file, pepper.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return pepper;
}
