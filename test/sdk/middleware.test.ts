// @latchkey/sdk/fastify and @latchkey/sdk/express in host APIs that talk to a real
// Latchkey: no token 401 (with WWW-Authenticate), a bad one 401 with its code,
// not allowed 403, Latchkey unreachable 503, otherwise the handler runs with the
// answer; a revocation is refused as soon as the event arrives (TTL: an hour).
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Latchkey, type Verifier } from '@latchkey/sdk';
import { latchkey } from '@latchkey/sdk/fastify';
import { requireToken } from '@latchkey/sdk/express';
import { createTestOrg, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from './server.js';

let t: ListeningApp;
let org: TestOrg;
let lk: Latchkey;
let verifier: Verifier;
let fastifyHost: FastifyInstance;
let expressHost: Server;
const hosts: Record<string, string> = {};

beforeAll(async () => {
  t = await listeningApp();
  org = await createTestOrg(t);
  lk = new Latchkey({ baseUrl: t.baseUrl, token: org.token });
  verifier = lk.verifier({ cacheTtlMs: 3_600_000, settleMs: 0 });
  await verifier.ready();

  fastifyHost = Fastify();
  await fastifyHost.register(latchkey, { verifier, scope: 'issues:read' });
  fastifyHost.get('/issues', async (request) => ({ principal: request.latchkey?.principal?.id, code: request.latchkey?.code }));
  fastifyHost.get('/issues/write', { config: { latchkey: { scope: 'issues:write' } } }, async () => ({ wrote: true }));
  fastifyHost.get('/public', { config: { latchkey: false } }, async (request) => ({ public: true, latchkey: request.latchkey }));
  await fastifyHost.listen({ port: 0, host: '127.0.0.1' });
  hosts.fastify = `http://127.0.0.1:${(fastifyHost.server.address() as AddressInfo).port}`;

  const app = express();
  app.get('/issues', requireToken({ verifier, scope: 'issues:read' }), (req, res) => {
    res.json({ principal: req.latchkey?.principal?.id, code: req.latchkey?.code });
  });
  app.get('/issues/write', requireToken({ verifier, scope: () => ({ scope: 'issues:write' }) }), (_req, res) => {
    res.json({ wrote: true });
  });
  expressHost = await new Promise<Server>((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  hosts.express = `http://127.0.0.1:${(expressHost.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await fastifyHost?.close();
  expressHost?.closeAllConnections();
  await new Promise((resolve) => expressHost?.close(resolve));
  await verifier?.close();
  await t?.close();
});

async function get(host: string, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(hosts[host] + path, { headers });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: JSON.parse(text) as Record<string, unknown> };
}

describe.each(['fastify', 'express'])('%s middleware', (host) => {
  it('no token: 401 problem+json with WWW-Authenticate: Bearer', async () => {
    const res = await get(host, '/issues');
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(res.body).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  it('a bad token: 401 with its code', async () => {
    const unknown = await get(host, '/issues', { authorization: 'Bearer lk_pat_notarealtokennotarealtokennotarealtokenAAAAAA' });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toMatchObject({ code: 'invalid_token', verifyCode: expect.stringMatching(/^(NOT_FOUND|MALFORMED)$/) });
    expect(unknown.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const revoked = await lk.apiTokens.create({ name: `revoked for ${host}` });
    await lk.apiTokens.revoke(revoked.id);
    expect((await get(host, '/issues', { authorization: `Bearer ${revoked.token}` })).body).toMatchObject({ code: 'token_revoked', verifyCode: 'REVOKED' });
    expect((await get(host, '/issues', { authorization: 'Basic abc' })).status).toBe(401);
  });

  it('a valid token without the scope: 403', async () => {
    const reader = await lk.apiTokens.create({ name: `reader for ${host}`, scopes: ['issues:read'] });
    const res = await get(host, '/issues/write', { authorization: `Bearer ${reader.token}` });
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ code: 'forbidden', verifyCode: 'FORBIDDEN' });
    expect(res.headers.get('www-authenticate')).toContain('insufficient_scope');
  });

  it('a good token (Bearer or X-API-Key): the handler runs with the answer', async () => {
    const reader = await lk.apiTokens.create({ name: `good for ${host}`, scopes: ['issues:read'] });
    for (const headers of [{ authorization: `Bearer ${reader.token}` }, { 'x-api-key': reader.token }] as Record<string, string>[]) {
      const res = await get(host, '/issues', headers);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ principal: org.ownerId, code: 'VALID' });
    }
  });

  it('a revocation is refused once its event arrives, although the TTL is an hour', async () => {
    const minted = await lk.apiTokens.create({ name: `revoked live for ${host}`, scopes: ['issues:read'] });
    const headers = { authorization: `Bearer ${minted.token}` };
    expect((await get(host, '/issues', headers)).status).toBe(200);
    expect((await get(host, '/issues', headers)).status).toBe(200);
    const heard = verifier.stats().invalidations;
    await lk.apiTokens.revoke(minted.id);
    for (let i = 0; i < 400 && verifier.stats().invalidations === heard; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const res = await get(host, '/issues', headers);
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('token_revoked');
  });
});

describe('fastify middleware, per route', () => {
  it('a route with latchkey: false is public', async () => {
    expect((await get('fastify', '/public')).body).toEqual({ public: true, latchkey: null });
  });
});

describe('Latchkey unreachable', () => {
  it('both middlewares fail closed with 503', async () => {
    const dead = new Latchkey({ baseUrl: 'http://127.0.0.1:1', token: org.token, timeoutMs: 1_000 });
    const deadVerifier = dead.verifier({ reconnectMinMs: 1_000 });
    const f = Fastify();
    await f.register(latchkey, { verifier: deadVerifier, scope: 'issues:read' });
    f.get('/x', async () => ({ ran: true }));
    const viaFastify = await f.inject({ method: 'GET', url: '/x', headers: { authorization: `Bearer ${org.token}` } });
    expect(viaFastify.statusCode).toBe(503);
    expect(viaFastify.json()).toMatchObject({ code: 'unavailable' });
    expect(viaFastify.body).not.toContain(org.token);
    await f.close();

    const e = express();
    let ran = false;
    e.get('/x', requireToken({ verifier: dead, scope: 'issues:read' }), (_req, res) => {
      ran = true;
      res.json({});
    });
    const server = await new Promise<Server>((resolve) => {
      const s = e.listen(0, '127.0.0.1', () => resolve(s));
    });
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, { headers: { authorization: `Bearer ${org.token}` } });
    expect(res.status).toBe(503);
    expect(ran).toBe(false);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await deadVerifier.close();
  });
});
