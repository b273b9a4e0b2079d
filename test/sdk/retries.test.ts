// The client's transport over real HTTP against a scripted server: 429 and 503
// retried after Retry-After (bounded, body sent again), a timeout on every call,
// and the token kept out of what it throws. (Latchkey's own 429s come from its
// throttles; here the answers are scripted so each case is exact.)
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Latchkey, LatchkeyError } from '@latchkey/sdk';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let baseUrl: string;
let handler: Handler;
const seen: { method: string; url: string; body: string; authorization: string | undefined }[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body, authorization: req.headers.authorization });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(() => {
  seen.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const TOKEN = 'lk_pat_retrytestretrytestretrytestretrytestAbCdEf';

function problem(res: ServerResponse, status: number, code: string, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/problem+json', 'x-request-id': `req_${seen.length}`, ...headers });
  res.end(JSON.stringify({ type: `/problems/${code}`, title: code, status, detail: `scripted ${code}`, code, requestId: `req_${seen.length}` }));
}

function answers(...steps: ((res: ServerResponse) => void)[]): void {
  let i = 0;
  handler = (_req, _body, res) => steps[Math.min(i++, steps.length - 1)]!(res);
}

const ok = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ valid: true, code: 'VALID', allowed: true, token: null, principal: null, org: null, scopes: [], grants: [] }));
};

async function thrown(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}

describe('retries', () => {
  it('retries a 429 after its Retry-After, sending the same body again', async () => {
    answers(
      (res) => problem(res, 429, 'rate_limited', { 'retry-after': '0' }),
      (res) => problem(res, 503, 'unavailable', { 'retry-after': '0' }),
      ok,
    );
    const lk = new Latchkey({ baseUrl, token: TOKEN });
    const result = await lk.verify('lk_pat_some', { scope: 'issues:read' });
    expect(result.code).toBe('VALID');
    expect(seen).toHaveLength(3);
    expect(new Set(seen.map((s) => s.body))).toEqual(new Set([JSON.stringify({ scope: 'issues:read', token: 'lk_pat_some' })]));
    expect(seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('gives up after maxRetries and throws the last problem with its Retry-After', async () => {
    answers((res) => problem(res, 429, 'rate_limited', { 'retry-after': '0' }));
    const error = await thrown(new Latchkey({ baseUrl, token: TOKEN, maxRetries: 3 }).me());
    expect(error).toMatchObject({ status: 429, code: 'rate_limited', retryAfterSeconds: 0 });
    expect(seen).toHaveLength(4);
  });

  it('does not wait out a Retry-After longer than maxRetryDelayMs', async () => {
    answers((res) => problem(res, 503, 'unavailable', { 'retry-after': '3600' }));
    const error = await thrown(new Latchkey({ baseUrl, token: TOKEN }).me());
    expect(error).toMatchObject({ status: 503, code: 'unavailable', retryAfterSeconds: 3600 });
    expect(seen).toHaveLength(1);
  });

  it('does not retry other errors', async () => {
    answers((res) => problem(res, 500, 'internal_error'));
    expect((await thrown(new Latchkey({ baseUrl, token: TOKEN }).me())).status).toBe(500);
    expect(seen).toHaveLength(1);
  });

  it('a body that is not problem+json still becomes a LatchkeyError', async () => {
    answers((res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    });
    expect(await thrown(new Latchkey({ baseUrl, token: TOKEN }).me())).toMatchObject({ status: 502, code: 'http_502' });
  });
});

describe('timeouts', () => {
  it('every call has one; the error names it and not the token', async () => {
    handler = () => undefined; // never answers
    const error = await thrown(new Latchkey({ baseUrl, token: TOKEN, timeoutMs: 50 }).me());
    expect(error).toMatchObject({ status: 0, code: 'timeout', requestId: null });
    for (const text of [error.message, String(error), inspect(error, { depth: 10 }), JSON.stringify(error)]) expect(text).not.toContain(TOKEN);
    server.closeAllConnections();
  });
});

describe('construction', () => {
  it('refuses a baseUrl that is not http(s)', () => {
    expect(() => new Latchkey({ baseUrl: 'localhost:8080', token: TOKEN })).toThrow(TypeError);
  });

  it('uses the fetch it is given', async () => {
    const calls: string[] = [];
    const lk = new Latchkey({
      baseUrl: 'http://latchkey.invalid',
      token: TOKEN,
      fetch: async (url) => {
        calls.push(url);
        return new Response(JSON.stringify({ data: [], nextCursor: null }), { status: 200, headers: { 'content-type': 'application/json' } });
      },
    });
    expect(await lk.teams.list().toArray()).toEqual([]);
    expect(calls).toEqual(['http://latchkey.invalid/v1/teams']);
  });
});
