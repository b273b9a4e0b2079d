// Leak response through HTTP: public revocation, the secret-scanning partner
// endpoint and reuse detection (SPEC §10), each refusal included.
import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken } from '../../src/tokens/format.js';
import { verifyChains } from '../../src/audit/service.js';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

const scanner = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const KEY_ID = 'github-key-1';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp({
    overrides: {
      secretScanning: { publicKeys: [{ id: KEY_ID, pem: scanner.publicKey.export({ type: 'spki', format: 'pem' }).toString() }] },
      throttles: { publicRevocations: { limit: 3, windowSeconds: 60 } },
    },
  });
  org = await createTestOrg(t);
});
afterAll(() => t.close());

let n = 0;
async function mint(payload: Record<string, unknown> = {}, token = org.token): Promise<{ id: string; token: string; prefix: string }> {
  const res = await request(t, { method: 'POST', url: '/v1/api-tokens', token, payload: { name: `leak subject ${++n}`, ...payload } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const tokenRow = (id: string) => t.deps.db.selectFrom('tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const eventsAbout = (id: string) => t.deps.db.selectFrom('audit_events').selectAll().where('target_id', '=', id).orderBy('seq').execute();
const me = (token: string) => request(t, { method: 'GET', url: '/v1/me', token });

// Each report comes from its own address, so the per-IP limit is tested on its own.
let address = 0;
const report = (credentials: unknown, remoteAddress = `198.51.100.${++address}`) =>
  t.app.inject({ method: 'POST', url: '/v1/credentials/revoke', payload: { credentials }, remoteAddress });

describe('POST /v1/credentials/revoke', () => {
  it('answers 202 {} whatever it is sent, revoking only the real tokens (reason reported, system actor, token.leaked)', async () => {
    const real = await mint();
    const bystander = await mint();
    const fake = generateToken('lk', 'pat');
    const res = await report([real.token, fake, 'not a token at all', `${real.token.slice(0, -1)}x`]);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({});
    // The same answer for nothing real.
    const nothing = await report([fake]);
    expect([nothing.statusCode, nothing.body]).toEqual([202, '{}']);

    expect(await tokenRow(real.id)).toMatchObject({ revoked_reason: 'reported', revoked_at: expect.any(String) });
    expectProblem(await me(real.token), 401, 'token_revoked');
    expect((await me(bystander.token)).statusCode).toBe(200);
    const events = await eventsAbout(real.id);
    const leaked = events.find((e) => e.action === 'token.leaked');
    const revoked = events.find((e) => e.action === 'token.revoked');
    expect(leaked).toMatchObject({ actor_type: 'system' });
    expect(JSON.parse(leaked!.metadata)).toMatchObject({ source: 'public_report', url: null, prefix: real.prefix });
    expect(revoked).toMatchObject({ actor_type: 'system' });
    expect(JSON.parse(revoked!.metadata)).toMatchObject({ reason: 'reported' });
    // The token view says why.
    const view = await request(t, { method: 'GET', url: `/v1/api-tokens/${real.id}`, token: org.token });
    expect(view.json()).toMatchObject({ status: 'revoked', revokedReason: 'reported' });
    expect((await verifyChains(t.deps.db, t.deps.hasher, org.orgId)).breaks).toEqual([]);
  });

  it('reporting a revoked token again records nothing more', async () => {
    const real = await mint();
    await report([real.token]);
    const before = (await eventsAbout(real.id)).length;
    await report([real.token]);
    expect((await eventsAbout(real.id)).length).toBe(before);
  });

  it('refuses bad bodies with 400 and changes nothing', async () => {
    const real = await mint();
    expectProblem(await report(Array.from({ length: 1001 }, () => real.token)), 400, 'validation_failed');
    expectProblem(await report([]), 400, 'validation_failed');
    expectProblem(await report('lk_pat_x'), 400, 'validation_failed');
    expectProblem(await t.app.inject({ method: 'POST', url: '/v1/credentials/revoke', payload: '{"credentials": [', headers: { 'content-type': 'application/json' }, remoteAddress: '198.51.100.250' }), 400, 'invalid_json');
    expect((await me(real.token)).statusCode).toBe(200);
  });

  it('is rate-limited per IP: 429 with Retry-After, other addresses unaffected', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < 3; i++) expect((await report([generateToken('lk', 'pat')], ip)).statusCode).toBe(202);
    const real = await mint();
    const limited = await report([real.token], ip);
    expectProblem(limited, 429, 'rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await me(real.token)).statusCode).toBe(200);
    expect((await report([real.token], '203.0.113.10')).statusCode).toBe(202);
    expectProblem(await me(real.token), 401, 'token_revoked');
    t.clock.advance(60_000);
    expect((await report([generateToken('lk', 'pat')], ip)).statusCode).toBe(202);
  });
});

describe('POST /v1/secret-scanning/verify-and-revoke', () => {
  function signed(body: string, key = scanner.privateKey, keyId = KEY_ID) {
    const signature = sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');
    return t.app.inject({
      method: 'POST',
      url: '/v1/secret-scanning/verify-and-revoke',
      payload: body,
      headers: { 'content-type': 'application/json', 'github-public-key-identifier': keyId, 'github-public-key-signature': signature },
    });
  }

  it('labels each report, revokes the true positives (reason leaked) and records token.leaked with the url and source', async () => {
    const real = await mint();
    const alreadyRevoked = await mint();
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${alreadyRevoked.id}`, token: org.token });
    const fake = generateToken('lk', 'sat');
    const body = JSON.stringify([
      { token: real.token, type: 'latchkey_token', url: 'https://github.com/acme/app/blob/abc/.env', source: 'content' },
      { token: fake, type: 'latchkey_token', url: 'https://github.com/acme/app/blob/abc/x', source: 'commit' },
      { token: alreadyRevoked.token, type: 'latchkey_token', url: 'https://gist.github.com/x', source: 'gist' },
    ]);
    const res = await signed(body);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual([
      { token_raw: real.token, token_type: 'latchkey_token', label: 'true_positive' },
      { token_raw: fake, token_type: 'latchkey_token', label: 'false_positive' },
      { token_raw: alreadyRevoked.token, token_type: 'latchkey_token', label: 'true_positive' },
    ]);
    expect(await tokenRow(real.id)).toMatchObject({ revoked_reason: 'leaked' });
    expectProblem(await me(real.token), 401, 'token_revoked');
    const leaked = (await eventsAbout(real.id)).find((e) => e.action === 'token.leaked');
    expect(leaked).toMatchObject({ actor_type: 'system' });
    expect(JSON.parse(leaked!.metadata)).toMatchObject({ url: 'https://github.com/acme/app/blob/abc/.env', source: 'content' });
    // The already revoked one keeps its first reason and gets no new events.
    expect((await tokenRow(alreadyRevoked.id)).revoked_reason).toBeNull();
    expect((await eventsAbout(alreadyRevoked.id)).map((e) => e.action)).toEqual(['token.minted', 'token.revoked']);
  });

  it('401 and nothing changes on a missing, wrong, foreign or unknown-key signature', async () => {
    const real = await mint();
    const body = JSON.stringify([{ token: real.token, type: 'latchkey_token', url: 'https://x', source: 'content' }]);
    const unsigned = await t.app.inject({ method: 'POST', url: '/v1/secret-scanning/verify-and-revoke', payload: body, headers: { 'content-type': 'application/json' } });
    expectProblem(unsigned, 401, 'invalid_signature');
    expectProblem(await signed(body, stranger.privateKey), 401, 'invalid_signature');
    expectProblem(await signed(body, scanner.privateKey, 'another-key'), 401, 'invalid_signature');
    // A signature over other bytes than those sent.
    const other = sign('sha256', Buffer.from(`${body} `), { key: scanner.privateKey, dsaEncoding: 'der' }).toString('base64');
    const tampered = await t.app.inject({
      method: 'POST',
      url: '/v1/secret-scanning/verify-and-revoke',
      payload: body,
      headers: { 'content-type': 'application/json', 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': other },
    });
    expectProblem(tampered, 401, 'invalid_signature');
    const garbage = await t.app.inject({
      method: 'POST',
      url: '/v1/secret-scanning/verify-and-revoke',
      payload: body,
      headers: { 'content-type': 'application/json', 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': 'bm90IGRlcg==' },
    });
    expectProblem(garbage, 401, 'invalid_signature');
    expect((await me(real.token)).statusCode).toBe(200);
    expect((await eventsAbout(real.id)).map((e) => e.action)).toEqual(['token.minted']);
  });

  it("publishes the scanners' regex in the OpenAPI document, and it finds real tokens in text", async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const description = doc.paths['/v1/secret-scanning/verify-and-revoke'].post.description as string;
    // The expression README gives for the default prefix.
    const published = String.raw`\blk_(?:pat|sat)_[0-9A-Za-z]{42}\b`;
    expect(description).toContain(published);
    const real = await mint();
    const found = `API_KEY=${real.token}\nother=${generateToken('lk', 'sat')} lk_pat_short`.match(new RegExp(published, 'g'));
    expect(found).toHaveLength(2);
    expect(found![0]).toBe(real.token);
  });

  it('a signed body that is not valid JSON or not a list of reports is a 400', async () => {
    expectProblem(await signed('[{"token": '), 400, 'invalid_json');
    expectProblem(await signed('{"token": "x"}'), 400, 'validation_failed');
    expectProblem(await signed(JSON.stringify([{ type: 'x' }])), 400, 'validation_failed');
  });
});

describe('reuse detection', () => {
  async function roll(id: string, gracePeriodSeconds = 0): Promise<string> {
    const res = await request(t, { method: 'POST', url: `/v1/api-tokens/${id}/roll`, token: org.token, payload: { gracePeriodSeconds } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().token;
  }

  it('a rolled-away secret presented after its grace period revokes the token and its children, recording token.reuse_detected', async () => {
    const parent = await mint();
    const child = await mint({}, parent.token);
    const live = await roll(parent.id, 60);
    // Within the grace period the old value is simply valid.
    expect((await me(parent.token)).statusCode).toBe(200);
    t.clock.advance(60_000);
    expect((await me(live)).statusCode).toBe(200);
    expectProblem(await me(parent.token), 401, 'token_revoked');
    expectProblem(await me(live), 401, 'token_revoked');
    expectProblem(await me(child.token), 401, 'token_revoked');
    expect(await tokenRow(parent.id)).toMatchObject({ revoked_reason: 'reuse_detected' });
    expect(await tokenRow(child.id)).toMatchObject({ revoked_reason: 'parent_revoked' });
    const actions = (await eventsAbout(parent.id)).map((e) => e.action);
    expect(actions.filter((a) => a === 'token.reuse_detected')).toHaveLength(1);
    // Presenting it again records nothing more.
    await me(parent.token);
    expect((await eventsAbout(parent.id)).map((e) => e.action)).toEqual(actions);
  });

  it('through /v1/verify: REVOKED, and the live secret is REVOKED after it', async () => {
    const verifier = (await mint({ scopes: ['tokens:verify'] })).token;
    const subject = await mint();
    const live = await roll(subject.id);
    const verify = async (token: string) => (await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload: { token } })).json();
    expect((await verify(live)).code).toBe('VALID');
    expect((await verify(subject.token)).code).toBe('REVOKED');
    expect((await verify(live)).code).toBe('REVOKED');
    expect((await eventsAbout(subject.id)).map((e) => e.action)).toContain('token.reuse_detected');
  });
});
