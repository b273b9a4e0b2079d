// Conventions every route keeps (SPEC §5): bad input of every kind gets a 4xx
// application/problem+json with a stable code and the request id, never a 500,
// and changes nothing; request ids; health; the OpenAPI document.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { generateToken } from '../../src/tokens/format.js';
import { addMember, createTestApp, createTestOrg, login, OWNER_PASSWORD, type Session, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let session: Session;
let tokenId: string;
let memberId: string;
let inviteToken: string;

beforeAll(async () => {
  // This file sends hundreds of malformed tokens from one address on purpose;
  // the failed-bearer throttle (test/http/throttling.test.ts) would answer 429.
  t = await createTestApp({ overrides: { throttles: { bearerFailures: { limit: 1_000_000, windowSeconds: 60 } } } });
  org = await createTestOrg(t);
  session = await login(t, org.ownerEmail, OWNER_PASSWORD);
  const minted = await t.app.inject({ method: 'POST', url: '/v1/api-tokens', headers: { authorization: `Bearer ${org.token}` }, payload: { name: 'target' } });
  tokenId = minted.json().id;
  memberId = (await addMember(t, org, 'member')).userId;
  const invited = await t.app.inject({ method: 'POST', url: '/v1/members', headers: { authorization: `Bearer ${org.token}` }, payload: { email: 'pending@example.com', role: 'viewer' } });
  inviteToken = invited.json().inviteToken;
});
afterAll(() => t.close());

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Route {
  method: Method;
  /** The route's path as OpenAPI writes it. */
  path: string;
  auth: 'org' | 'session' | 'none';
  /** A valid body, for routes whose body has a schema. */
  body?: () => Record<string, unknown>;
  /** A body of the right shape with a wrongly typed field. */
  wrongType?: Record<string, unknown>;
  /** The route validates its query string strictly. */
  query?: boolean;
}

/** Every route of issue 2 (token core). */
const ROUTES: Route[] = [
  { method: 'POST', path: '/v1/auth/login', auth: 'none', body: () => ({ email: org.ownerEmail, password: OWNER_PASSWORD }), wrongType: { email: 'someone@example.com', password: 12345678 } },
  { method: 'POST', path: '/v1/auth/accept-invite', auth: 'none', body: () => ({ inviteToken, password: 'a long password', name: 'N' }), wrongType: { inviteToken: ['x'], password: 'a long password', name: 'N' } },
  { method: 'POST', path: '/v1/auth/logout', auth: 'session' },
  { method: 'POST', path: '/v1/orgs', auth: 'session', body: () => ({ name: 'New org' }), wrongType: { name: 7 } },
  { method: 'GET', path: '/v1/me', auth: 'org' },
  { method: 'GET', path: '/v1/roles', auth: 'org' },
  { method: 'GET', path: '/v1/api-tokens/scopes', auth: 'org' },
  { method: 'GET', path: '/v1/org', auth: 'org' },
  { method: 'PATCH', path: '/v1/org', auth: 'org', body: () => ({ name: 'Renamed' }), wrongType: { policy: { requireExpiry: 'yes' } } },
  { method: 'GET', path: '/v1/seats', auth: 'org' },
  { method: 'GET', path: '/v1/members', auth: 'org', query: true },
  { method: 'POST', path: '/v1/members', auth: 'org', body: () => ({ email: 'someone@example.com', role: 'viewer' }), wrongType: { email: 'someone@example.com', role: 3 } },
  { method: 'GET', path: '/v1/members/{userId}', auth: 'org' },
  { method: 'PATCH', path: '/v1/members/{userId}', auth: 'org', body: () => ({ role: 'viewer' }), wrongType: { status: false } },
  { method: 'DELETE', path: '/v1/members/{userId}', auth: 'org' },
  { method: 'GET', path: '/v1/api-tokens', auth: 'org', query: true },
  { method: 'POST', path: '/v1/api-tokens', auth: 'org', body: () => ({ name: 'bad input' }), wrongType: { name: 'bad input', scopes: 'org:read' } },
  { method: 'GET', path: '/v1/api-tokens/{id}', auth: 'org' },
  { method: 'DELETE', path: '/v1/api-tokens/{id}', auth: 'org' },
  { method: 'POST', path: '/v1/api-tokens/{id}/roll', auth: 'org', body: () => ({ gracePeriodSeconds: 60 }), wrongType: { gracePeriodSeconds: 'soon' } },
  { method: 'POST', path: '/v1/api-tokens/revoke-all', auth: 'org', body: () => ({}), wrongType: { all: true } },
  { method: 'GET', path: '/v1/audit-events', auth: 'org', query: true },
  { method: 'POST', path: '/v1/verify', auth: 'org', body: () => ({ token: org.token }), wrongType: { token: 42 } },
];

const hasBody = (route: Route) => route.method !== 'GET';
const urlOf = (route: Route) => route.path.replace('{userId}', memberId).replace('{id}', tokenId);

function credentials(route: Route): Record<string, string> {
  if (route.auth === 'org') return { authorization: `Bearer ${org.token}` };
  if (route.auth === 'session') return { cookie: session.cookie, 'x-csrf-token': session.csrfToken };
  return {};
}

/** Everything a request could change, except last-use bookkeeping. */
async function snapshot(): Promise<string> {
  const db = t.deps.db;
  return JSON.stringify([
    await db.selectFrom('orgs').select(['id', 'name', 'plan', 'policy']).orderBy('id').execute(),
    await db.selectFrom('users').select(['id', 'email', 'password_hash']).orderBy('id').execute(),
    await db.selectFrom('memberships').select(['org_id', 'user_id', 'role', 'status']).orderBy('org_id').orderBy('user_id').execute(),
    await db.selectFrom('invitations').select(['id', 'accepted_at']).orderBy('id').execute(),
    await db.selectFrom('sessions').select(['id']).orderBy('id').execute(),
    await db.selectFrom('tokens').select(['id', 'name', 'prefix', 'revoked_at', 'expires_at', 'grants']).orderBy('id').execute(),
    await db.selectFrom('token_secrets').select(['hash', 'retired_at', 'valid_until']).orderBy('hash').execute(),
    await db.selectFrom('audit_events').select(['id']).where('action', '!=', 'token.used').orderBy('id').execute(),
  ]);
}

/** A problem+json answer with the stable code, the request id, and nothing the client sent. */
function expectProblemShape(res: LightMyRequestResponse, status: number, code: string, secret = org.token): void {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = res.json();
  expect(body).toMatchObject({ type: `/problems/${code}`, title: expect.any(String), status, detail: expect.any(String), code });
  expect(body.requestId).toBe(res.headers['x-request-id']);
  expect(res.body).not.toContain(secret);
}

interface BadInput {
  what: string;
  routes: (route: Route) => boolean;
  send: (route: Route) => { url?: string; headers?: Record<string, string>; payload?: string };
  status: number | ((route: Route) => number);
  code: string | ((route: Route) => string);
}

const json = { 'content-type': 'application/json' };
const checksumFlipped = (token: string) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
// A session-only route refuses any token as such; elsewhere a bad token is a bad credential.
const tokenFailure = (route: Route) => (route.auth === 'session' ? 'session_required' : 'invalid_token');
const tokenFailureStatus = (route: Route) => (route.auth === 'session' ? 403 : 401);

const BAD_INPUTS: BadInput[] = [
  { what: 'malformed JSON', routes: hasBody, send: () => ({ headers: json, payload: '{"name": "x",' }), status: 400, code: 'invalid_json' },
  { what: 'a JSON body cut short', routes: hasBody, send: () => ({ headers: json, payload: '{"na' }), status: 400, code: 'invalid_json' },
  { what: 'an empty JSON body', routes: hasBody, send: () => ({ headers: json, payload: '' }), status: 400, code: 'invalid_json' },
  { what: 'a prototype-poisoning body', routes: (r) => r.body !== undefined, send: (r) => ({ headers: json, payload: `{${['"__proto__": {"role": "owner"}', JSON.stringify(r.body!()).slice(1, -1)].filter(Boolean).join(', ')}}` }), status: 400, code: 'invalid_json' },
  { what: 'a body that is not an object', routes: (r) => r.body !== undefined, send: () => ({ headers: json, payload: '["x"]' }), status: 400, code: 'validation_failed' },
  { what: 'a wrongly typed field', routes: (r) => r.wrongType !== undefined, send: (r) => ({ headers: json, payload: JSON.stringify(r.wrongType) }), status: 400, code: 'validation_failed' },
  { what: 'an unknown field', routes: (r) => r.body !== undefined, send: (r) => ({ headers: json, payload: JSON.stringify({ ...r.body!(), unexpected: true }) }), status: 400, code: 'validation_failed' },
  {
    what: 'a body over 64 KiB',
    routes: hasBody,
    send: (r) => ({ headers: json, payload: JSON.stringify({ ...(r.body?.() ?? {}), padding: 'x'.repeat(64 * 1024) }) }),
    status: 413,
    code: 'payload_too_large',
  },
  { what: 'a body that is not JSON', routes: (r) => r.body !== undefined, send: () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=x' }), status: 415, code: 'unsupported_media_type' },
  { what: 'a text/plain body', routes: (r) => r.body !== undefined, send: () => ({ headers: { 'content-type': 'text/plain' }, payload: '{"name":"x"}' }), status: 415, code: 'unsupported_media_type' },
  { what: 'an unknown query parameter', routes: (r) => r.query === true, send: (r) => ({ url: `${urlOf(r)}?unexpected=1` }), status: 400, code: 'validation_failed' },
  { what: 'a non-numeric limit', routes: (r) => r.query === true, send: (r) => ({ url: `${urlOf(r)}?limit=ten` }), status: 400, code: 'validation_failed' },
  { what: 'a forged cursor', routes: (r) => r.query === true, send: (r) => ({ url: `${urlOf(r)}?cursor=${Buffer.from("tok_' OR 1=1").toString('base64url')}` }), status: 400, code: 'invalid_cursor' },
  { what: 'a malformed id in the path', routes: (r) => /\{(id|userId)\}/.test(r.path), send: (r) => ({ url: r.path.replace(/\{(id|userId)\}/, 'not-an-id') }), status: 400, code: 'validation_failed' },
  { what: 'a garbage bearer token', routes: (r) => r.auth !== 'none', send: () => ({ headers: { authorization: 'Bearer garbage' } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'a truncated token', routes: (r) => r.auth !== 'none', send: () => ({ headers: { authorization: `Bearer ${org.token.slice(0, -5)}` } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'a token with a wrong checksum', routes: (r) => r.auth !== 'none', send: () => ({ headers: { authorization: `Bearer ${checksumFlipped(org.token)}` } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'a well-formed token that was never issued', routes: (r) => r.auth !== 'none', send: () => ({ headers: { 'x-api-key': generateToken('lk', 'pat') } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'a garbage X-API-Key', routes: (r) => r.auth !== 'none', send: () => ({ headers: { 'x-api-key': `${'\u00e9'.repeat(3)}; DROP TABLE tokens` } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'a token that is far too long', routes: (r) => r.auth !== 'none', send: () => ({ headers: { authorization: `Bearer ${org.token}${'A'.repeat(4000)}` } }), status: tokenFailureStatus, code: tokenFailure },
  { what: 'an empty bearer', routes: (r) => r.auth === 'org', send: () => ({ headers: { authorization: 'Bearer ' } }), status: 401, code: 'invalid_token' },
];

const CASES = BAD_INPUTS.flatMap((input) => ROUTES.filter(input.routes).map((route) => ({ name: `${route.method} ${route.path}: ${input.what}`, route, input })));

describe('bad input on every route', () => {
  it('covers every route with several kinds of bad input', () => {
    for (const route of ROUTES) expect(CASES.filter((c) => c.route === route).length, `${route.method} ${route.path}`).toBeGreaterThanOrEqual(3);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, { route, input }) => {
    const before = await snapshot();
    const sent = input.send(route);
    // Token cases replace the credentials; everything else is sent by a legitimate caller.
    const isTokenCase = sent.headers !== undefined && ('authorization' in sent.headers || 'x-api-key' in sent.headers);
    const headers = { ...(isTokenCase ? {} : credentials(route)), ...sent.headers };
    const res = await t.app.inject({ method: route.method, url: sent.url ?? urlOf(route), headers, payload: sent.payload });
    const status = typeof input.status === 'number' ? input.status : input.status(route);
    expectProblemShape(res, status, typeof input.code === 'string' ? input.code : input.code(route));
    expect(await snapshot()).toBe(before);
  });

  it('names the unknown field', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/v1/api-tokens', headers: { authorization: `Bearer ${org.token}` }, payload: { name: 'x', sneaky: 1 } });
    expect(res.json().errors).toEqual([{ field: 'sneaky', message: 'unknown field' }]);
  });

  it('a valid request on the same routes still works afterwards', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/v1/api-tokens/${tokenId}`, headers: { authorization: `Bearer ${org.token}` } });
    expect(res.json().status).toBe('active');
    expect((await t.app.inject({ method: 'GET', url: `/v1/members/${memberId}`, headers: { authorization: `Bearer ${org.token}` } })).json().status).toBe('active');
  });
});

describe('request ids, unknown routes', () => {
  it('every response carries X-Request-Id, success or not, and ids differ', async () => {
    const a = await t.app.inject({ method: 'GET', url: '/healthz' });
    const b = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${org.token}` } });
    const c = await t.app.inject({ method: 'GET', url: '/v1/me' });
    for (const res of [a, b, c]) expect(res.headers['x-request-id']).toMatch(/^req_[0-9A-Za-z]{24}$/);
    expect(new Set([a, b, c].map((r) => r.headers['x-request-id'])).size).toBe(3);
  });

  it('keeps a well-formed X-Request-Id from the client and replaces a malformed one', async () => {
    const kept = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-request-id': 'edge-1234.abc' } });
    expect(kept.headers['x-request-id']).toBe('edge-1234.abc');
    expect(kept.json().requestId).toBe('edge-1234.abc');
    const replaced = await t.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-request-id': 'has spaces <script>' } });
    expect(replaced.headers['x-request-id']).toMatch(/^req_/);
  });

  it('an unknown route or method is a 404 problem', async () => {
    for (const [method, url] of [['GET', '/v1/nope'], ['PUT', '/v1/api-tokens'], ['GET', '/v2/me']] as const) {
      const res = await t.app.inject({ method, url, headers: { authorization: `Bearer ${org.token}` } });
      expectProblemShape(res, 404, 'route_not_found');
    }
  });
});

describe('health', () => {
  it('/healthz and /readyz answer without credentials', async () => {
    const health = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is 503 when the database is unreachable', async () => {
    const other = await createTestApp();
    await other.deps.db.destroy();
    const res = await other.app.inject({ method: 'GET', url: '/readyz' });
    expectProblemShape(res, 503, 'unavailable');
    expect((await other.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await other.close().catch(() => undefined);
  });
});

describe('/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document listing every route of the token core', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: expect.any(String), version: expect.any(String) });
    for (const route of ROUTES) {
      const operation = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(operation, `${route.method} ${route.path}`).toBeDefined();
      expect(operation.responses['4XX'], `${route.method} ${route.path} documents its problems`).toBeDefined();
      expect(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)), `${route.method} ${route.path} documents its success`).toBe(true);
      if (route.path.includes('{')) expect(operation.parameters.some((p: { in: string }) => p.in === 'path')).toBe(true);
    }
  });

  it('is generated from the schemas that validate requests', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const mint = doc.paths['/v1/api-tokens'].post.requestBody.content['application/json'].schema;
    expect(mint).toMatchObject({ type: 'object', additionalProperties: false, required: ['name'] });
    expect(Object.keys(mint.properties)).toEqual(expect.arrayContaining(['name', 'scopes', 'resources', 'expiresIn', 'expiresAt']));
    const roll = doc.paths['/v1/api-tokens/{id}/roll'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(roll)).toContain('"maximum":86400');
    const list = doc.paths['/v1/api-tokens'].get.responses['200'].content['application/json'].schema;
    expect(list.required).toEqual(expect.arrayContaining(['data', 'nextCursor']));
  });

  it('has no dangling $ref', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const refs: string[] = [];
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === '$ref' && typeof value === 'string') refs.push(value);
          else walk(value);
        }
      }
    };
    walk(doc.paths);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) {
      expect(ref, ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas[ref.split('/').pop()!], ref).toBeDefined();
    }
  });
});

describe('HTTP that never reaches a route', () => {
  /** Sends raw bytes to a real listening server and returns what came back. */
  async function raw(port: number, bytes: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.end(bytes, 'latin1'));
      let data = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk) => (data += chunk));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    const [head, ...rest] = text.split('\r\n\r\n');
    const [statusLine, ...lines] = head!.split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    return { status: Number(statusLine!.split(' ')[1]), headers, body: rest.join('\r\n\r\n') };
  }

  it('a header with control characters gets a 400 problem with its request id, and changes nothing', async () => {
    const server = await createTestApp({ dataDir: t.dataDir + '-raw' });
    try {
      const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
      const port = Number(new URL(address).port);
      const owner = await createTestOrg(server);
      const before = await server.deps.db.selectFrom('tokens').select('id').execute();
      const requests = [
        `GET /v1/me HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${owner.token}\x01\r\n\r\n`,
        `POST /v1/api-tokens HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${owner.token}\r\nX-Note: a\x00b\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n{"name":"x"}`,
        `GET /v1/me HTTP/1.1\r\nHost: localhost\r\nX-Bad\x7fName: 1\r\n\r\n`,
        `GET /v1/me HTTP/1.1\r\nHost: localhost\r\nLatchkey-Org: org_\x1b[31m\r\n\r\n`,
      ];
      const ids = new Set<string>();
      for (const bytes of requests) {
        const res = await raw(port, bytes);
        expect(res.status, JSON.stringify(bytes)).toBe(400);
        expect(res.headers['content-type']).toBe('application/problem+json');
        const body = JSON.parse(res.body);
        expect(body).toMatchObject({ type: '/problems/bad_request', status: 400, code: 'bad_request', title: expect.any(String), detail: expect.any(String) });
        expect(body.requestId).toBe(res.headers['x-request-id']);
        expect(body.requestId).toMatch(/^req_[0-9A-Za-z]{24}$/);
        expect(res.body).not.toContain(owner.token);
        ids.add(body.requestId);
      }
      expect(ids.size).toBe(requests.length);
      expect(await server.deps.db.selectFrom('tokens').select('id').execute()).toEqual(before);
      // Headers beyond what the server parses: 431, and the body says so too.
      const huge = await raw(port, `GET /v1/me HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'a'.repeat(20_000)}\r\n\r\n`);
      expect(huge.status).toBe(431);
      expect(JSON.parse(huge.body)).toMatchObject({ status: 431, code: 'headers_too_large', requestId: huge.headers['x-request-id'] });
      // The server is still serving.
      const ok = await raw(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});
