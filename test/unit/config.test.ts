// The leak-response settings of the config: trusted proxies, scanner keys, throttles.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_THROTTLES } from '../../src/throttling/throttles.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'latchkey-config-'));

describe('trustProxy', () => {
  it('believes no proxy by default', () => {
    expect(loadConfig({ env: {}, cwd }).trustProxy).toEqual([]);
  });
  it('takes addresses and CIDR ranges from LATCHKEY_TRUST_PROXY or the file', () => {
    expect(loadConfig({ env: { LATCHKEY_TRUST_PROXY: '10.0.0.1, 10.1.0.0/16,::1' }, cwd }).trustProxy).toEqual(['10.0.0.1', '10.1.0.0/16', '::1']);
    expect(loadConfig({ env: {}, cwd, overrides: { trustProxy: ['192.0.2.0/24'] } }).trustProxy).toEqual(['192.0.2.0/24']);
  });
  it('refuses anything else, "true" included: trusting every peer would let clients pick their address', () => {
    expect(() => loadConfig({ env: { LATCHKEY_TRUST_PROXY: 'true' }, cwd })).toThrow(ConfigError);
    expect(() => loadConfig({ env: {}, cwd, overrides: { trustProxy: ['10.0.0.0/40'] } })).toThrow(ConfigError);
  });
});

describe('secretScanning.publicKeys', () => {
  it('accepts ECDSA P-256 PEM keys with ids', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const config = loadConfig({ env: {}, cwd, overrides: { secretScanning: { publicKeys: [{ id: 'k1', pem }] } } });
    expect(config.secretScanning.publicKeys.map((k) => k.id)).toEqual(['k1']);
  });
  it('refuses other curves, other key types, bad PEM and missing ids', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const publicKeys of [[{ id: 'a', pem: p384 }], [{ id: 'b', pem: rsa }], [{ id: 'c', pem: 'not a pem' }], [{ id: '', pem: p384 }]]) {
      expect(() => loadConfig({ env: {}, cwd, overrides: { secretScanning: { publicKeys } } })).toThrow(ConfigError);
    }
  });
});

describe('throttles', () => {
  it('defaults to 10 failed logins in 15 minutes, and may be overridden per throttle', () => {
    expect(loadConfig({ env: {}, cwd }).throttles).toEqual(DEFAULT_THROTTLES);
    expect(DEFAULT_THROTTLES.loginFailures).toEqual({ limit: 10, windowSeconds: 900 });
    const config = loadConfig({ env: {}, cwd, overrides: { throttles: { bearerFailures: { limit: 5, windowSeconds: 1 } } } });
    expect(config.throttles).toEqual({ ...DEFAULT_THROTTLES, bearerFailures: { limit: 5, windowSeconds: 1 } });
  });
  it('refuses limits that are not positive integers', () => {
    for (const throttles of [{ loginFailures: { limit: 0, windowSeconds: 60 } }, { verifyFailures: { limit: 5 } }, { maxKeys: -1 }]) {
      expect(() => loadConfig({ env: {}, cwd, overrides: { throttles: throttles as never } })).toThrow(ConfigError);
    }
  });
});
