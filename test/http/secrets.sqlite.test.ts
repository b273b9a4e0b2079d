// Secrets are shown once and stored nowhere (SPEC §2): after a busy session of
// minting, rolling, revoking, inviting and signing in, no plaintext token, invite
// token, session secret or password is in any file of the data directory (the
// SQLite database and its WAL, read as bytes) or in the server log.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { createTestApp, createTestOrg, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-secrets-'));
/** Every secret that crossed the wire, with what it was. */
const secrets = new Map<string, string>();
const keep = (label: string, value: string) => {
  expect(value.length, label).toBeGreaterThanOrEqual(8);
  secrets.set(value, label);
  return value;
};

beforeAll(async () => {
  t = await createTestApp({ dataDir });
  org = await createTestOrg(t);
  keep('initial token', org.token);
  keep('owner password', OWNER_PASSWORD);
});
afterAll(async () => {
  await t.close().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

function cookieOf(res: LightMyRequestResponse): string {
  return res.cookies.find((c) => c.name === 'latchkey_session')!.value;
}

/** Every file under `dir`, as bytes read as latin1 so any ASCII secret shows up verbatim. */
function readEverything(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, entry);
    if (statSync(file).isFile()) out.set(entry, readFileSync(file).toString('latin1'));
  }
  return out;
}

function leaks(haystack: string): string[] {
  const found: string[] = [];
  for (const [secret, label] of secrets) {
    // The whole secret, or its random part alone (a prefix-stripped copy is still a leak).
    const tail = secret.replace(/^[a-z]+_(pat|sat|inv)_/, '');
    if (haystack.includes(secret) || (tail !== secret && haystack.includes(tail))) found.push(label);
  }
  return found;
}

describe('no plaintext secret at rest or in logs', () => {
  let before: Map<string, string>;

  beforeAll(async () => {
    const mint = async (token: string, payload: object) => {
      const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json() as { id: string; token: string };
    };
    const a = await mint(org.token, { name: 'a', scopes: ['tokens:manage', 'tokens:verify', 'org:read'], expiresIn: '30d' });
    keep('token a', a.token);
    const b = await mint(org.token, { name: 'b' });
    keep('token b', b.token);
    const c = await mint(a.token, { name: 'c by a', scopes: ['org:read'] });
    keep('token c', c.token);

    // Roll with and without grace; use the old and new values.
    const rolledA = await request(t, { method: 'POST', url: `/v1/api-tokens/${a.id}/roll`, token: org.token, payload: { gracePeriodSeconds: 600 } });
    keep('token a, rolled', rolledA.json().token);
    const rolledB = await request(t, { method: 'POST', url: `/v1/api-tokens/${b.id}/roll`, token: org.token, payload: {} });
    keep('token b, rolled', rolledB.json().token);
    for (const token of [a.token, rolledA.json().token, rolledB.json().token, c.token]) {
      await request(t, { method: 'GET', url: '/v1/me', headers: { 'x-api-key': token } });
    }
    await request(t, { method: 'GET', url: '/v1/me', token: b.token }); // refused: rolled away

    // Verify calls carry tokens in their bodies, good and bad.
    for (const token of [c.token, b.token, org.token]) {
      await request(t, { method: 'POST', url: '/v1/verify', token: rolledA.json().token, payload: { token, scope: 'org:read' } });
    }
    await request(t, { method: 'POST', url: '/v1/verify', token: org.token, payload: { token: c.token, extra: 'field' } });

    // Revoke one, then everything in another org.
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${c.id}`, token: org.token });
    await request(t, { method: 'GET', url: '/v1/me', token: c.token });
    const other = await createTestOrg(t);
    keep('other org token', other.token);
    await mint(other.token, { name: 'doomed' }).then((m) => keep('doomed token', m.token));
    await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: other.token, payload: {} });

    // An invitation, accepted with a password; logins good and bad.
    const invited = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email: 'invitee@example.com', role: 'member' } });
    keep('invite token', invited.json().inviteToken);
    const inviteePassword = keep('invitee password', 'invitee-password-7f3a');
    const accepted = await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: invited.json().inviteToken, password: inviteePassword, name: 'Invitee' } });
    expect(accepted.statusCode).toBe(201);
    keep('invitee session', cookieOf(accepted));
    await t.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: invited.json().inviteToken, password: inviteePassword, name: 'Again' } });
    const wrongPassword = keep('wrong password', 'guess-password-0000');
    await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'invitee@example.com', password: wrongPassword } });
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    keep('owner session', session.cookie.split('=')[1]!);
    const sessionMint = await request(t, { method: 'POST', url: '/v1/api-tokens', session, payload: { name: 'by session' } });
    keep('session-minted token', sessionMint.json().token);

    await t.deps.lastUse.flush();
    before = readEverything(dataDir);
    await t.close();
  });

  it('the data directory holds no secret, before or after the database is closed', () => {
    const after = readEverything(dataDir);
    expect([...after.keys()].some((f) => f.endsWith('.db'))).toBe(true);
    for (const files of [before, after]) {
      for (const [file, bytes] of files) expect(leaks(bytes), file).toEqual([]);
    }
    // Sanity: the tokens are there, as hashes and display prefixes.
    const db = [...after.entries()].find(([f]) => f.endsWith('.db'))![1];
    expect(db).toContain(org.token.slice(0, 11));
  });

  it('the server log holds no secret', () => {
    expect(t.log.lines.length).toBeGreaterThan(20);
    expect(leaks(t.log.text)).toEqual([]);
  });
});

describe('a token inside a malformed body', () => {
  it('is echoed neither in the error nor in the log', async () => {
    const app = await createTestApp();
    try {
      const owner = await createTestOrg(app);
      const victim = (await request(app, { method: 'POST', url: '/v1/api-tokens', token: owner.token, payload: { name: 'victim' } })).json().token as string;
      const bodies = [
        `{"token": "${victim}", `,
        `{"token": ${victim}}`,
        `${victim}`,
        `{"token": "${victim}", "unexpected": "${victim}"}`,
        `{"token": ["${victim}"]}`,
        `{"name": "${victim}"`,
      ];
      for (const payload of bodies) {
        for (const url of ['/v1/verify', '/v1/api-tokens']) {
          const res = await app.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${owner.token}`, 'content-type': 'application/json' }, payload });
          expect(res.statusCode, payload).toBeGreaterThanOrEqual(400);
          expect(res.statusCode, payload).toBeLessThan(500);
          expect(res.body).not.toContain(victim);
          expect(res.body).not.toContain(victim.slice(7));
        }
      }
      // In a header, or in the URL (path or query), it is not echoed or logged either.
      const inHeader = await app.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${victim}x` } });
      expect(inHeader.body).not.toContain(victim);
      const inPath = await app.app.inject({ method: 'GET', url: `/v1/api-tokens/${victim}`, headers: { authorization: `Bearer ${owner.token}` } });
      expect(inPath.statusCode).toBe(400);
      expect(inPath.body).not.toContain(victim.slice(7));
      const unknownRoute = await app.app.inject({ method: 'GET', url: `/v1/keys/${victim}?api_key=${victim}` });
      expect(unknownRoute.statusCode).toBe(404);
      expect(unknownRoute.body).not.toContain(victim.slice(11));
      await app.app.close();
      expect(app.log.text).not.toContain(victim.slice(7, 30));
      expect(app.log.text).not.toContain(owner.token.slice(7, 30));
    } finally {
      await app.close().catch(() => undefined);
    }
  });
});
