// One access-log line per request (http/access-log.ts): the fields an operator
// needs, never a token, thinned by sampling, with errors and slow requests kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

interface Line {
  level: number;
  msg: string;
  reqId?: string;
  method?: string;
  route?: string;
  status?: number;
  ms?: number;
  token?: string;
  code?: string;
}

function linesOf(t: TestApp, from: number): Line[] {
  return t.log.lines
    .slice(from)
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
}

describe('access log', () => {
  let t: TestApp;
  let org: TestOrg;
  beforeAll(async () => {
    t = await createTestApp();
    org = await createTestOrg(t);
  });
  afterAll(() => t.close());

  it('writes one line per request with method, route, status, duration, request id and the token prefix, never the token', async () => {
    const from = t.log.lines.length;
    const res = await request(t, { method: 'GET', url: `/v1/api-tokens/${org.tokenId}`, token: org.token });
    expect(res.statusCode).toBe(200);
    const lines = linesOf(t, from).filter((l) => l.reqId === res.headers['x-request-id']);
    expect(lines).toHaveLength(1);
    const [line] = lines;
    expect(line).toMatchObject({ msg: 'request', method: 'GET', route: '/v1/api-tokens/:id', status: 200, token: org.token.slice(0, 11) });
    expect(typeof line!.ms).toBe('number');
    expect(t.log.text).not.toContain(org.token);
    expect(t.log.text).not.toContain(org.token.slice(11));
  });

  it('carries the problem code of a refused request and still no token', async () => {
    const from = t.log.lines.length;
    const forged = `${org.token.slice(0, -8)}AAAAAAAA`;
    const res = await request(t, { method: 'GET', url: '/v1/me', token: forged });
    expect(res.statusCode).toBe(401);
    const lines = linesOf(t, from).filter((l) => l.reqId === res.headers['x-request-id']);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ route: '/v1/me', status: 401, code: 'invalid_token' });
    expect(t.log.text).not.toContain(forged.slice(11));
  });

  it('logs an unknown path by its URL with any token in it cut to its prefix', async () => {
    const from = t.log.lines.length;
    const res = await request(t, { method: 'GET', url: `/v1/nope/${org.token}` });
    expect(res.statusCode).toBe(404);
    const [line] = linesOf(t, from).filter((l) => l.reqId === res.headers['x-request-id']);
    expect(line?.route).toBe(`/v1/nope/${org.token.slice(0, 11)}…`);
    expect(line?.code).toBe('route_not_found');
  });
});

describe('access log sampling', () => {
  it('off: ordinary requests leave no line, slow ones still do', async () => {
    const t = await createTestApp({ overrides: { accessLog: { sampleRate: 0, slowMs: 1000 } } });
    try {
      const org = await createTestOrg(t);
      const from = t.log.lines.length;
      const res = await request(t, { method: 'GET', url: '/v1/me', token: org.token });
      expect(res.statusCode).toBe(200);
      expect(linesOf(t, from).filter((l) => l.msg === 'request')).toEqual([]);
    } finally {
      await t.close();
    }
    const slow = await createTestApp({ overrides: { accessLog: { sampleRate: 0, slowMs: 0 } } });
    try {
      const from = slow.log.lines.length;
      const res = await slow.app.inject({ method: 'GET', url: '/healthz' });
      const lines = linesOf(slow, from).filter((l) => l.reqId === res.headers['x-request-id']);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.msg).toBe('slow request');
    } finally {
      await slow.close();
    }
  });
});
