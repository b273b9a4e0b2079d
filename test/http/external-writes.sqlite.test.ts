// With pushed invalidation the cache TTL is minutes, so a write made to the SQLite
// file by another process (a server-side CLI command, a second connection) must
// still count: the cache watches PRAGMA data_version and drops itself.
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp({ overrides: { tokenCache: { externalCheckMs: 0 } } });
  org = await createTestOrg(t);
});
afterAll(() => t.close());

async function verify(token: string): Promise<string> {
  const res = await request(t, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().code as string;
}

describe('writes by another process', () => {
  it('a token revoked through another connection to the file is refused on the next verification', async () => {
    const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'elsewhere' } });
    expect(minted.statusCode).toBe(201);
    const { id, token } = minted.json() as { id: string; token: string };
    expect(await verify(token)).toBe('VALID');
    expect(await verify(token)).toBe('VALID'); // now from the cache

    const other = new SQLite(path.join(t.dataDir, 'latchkey.db'));
    try {
      other.prepare('update tokens set revoked_at = ? where id = ?').run(new Date(t.clock.now().getTime() - 1000).toISOString(), id);
    } finally {
      other.close();
    }
    expect(await verify(token)).toBe('REVOKED');
  });
});
