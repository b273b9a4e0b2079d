// /metrics (SPEC §10): Prometheus text from prom-client, per-route request counts
// and latency, verification results by code, cache and event-loop figures,
// gauges other modules register; guarded by LATCHKEY_METRICS_TOKEN when set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

describe('/metrics, open', () => {
  let t: TestApp;
  let org: TestOrg;
  beforeAll(async () => {
    t = await createTestApp();
    org = await createTestOrg(t);
  });
  afterAll(() => t.close());

  it('counts requests and latency per route pattern (never the raw URL), verify results by code, cache hits and event-loop lag', async () => {
    const verifier = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'v', scopes: ['tokens:verify'] } })).json().token;
    await request(t, { method: 'GET', url: `/v1/api-tokens/${org.tokenId}`, token: org.token });
    await request(t, { method: 'GET', url: '/v1/api-tokens/tok_doesnotexist', token: org.token });
    await request(t, { method: 'GET', url: '/no/such/path/12345' });
    for (let i = 0; i < 2; i++) await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload: { token: org.token } });
    await request(t, { method: 'POST', url: '/v1/verify', token: verifier, payload: { token: 'nope' } });
    t.deps.metrics!.registerGauge('latchkey_test_queue_depth', 'A gauge another module registers.', async () => 7);

    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = res.body;
    expect(body).toMatch(/^latchkey_http_requests_total\{method="GET",route="\/v1\/api-tokens\/:id",status="200"\} 1$/m);
    expect(body).toMatch(/^latchkey_http_requests_total\{method="GET",route="\/v1\/api-tokens\/:id",status="404"\} 1$/m);
    expect(body).toMatch(/^latchkey_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
    expect(body).not.toContain('tok_doesnotexist');
    expect(body).not.toContain('12345');
    expect(body).toMatch(/^latchkey_http_request_duration_seconds_bucket\{le="\+Inf",method="POST",route="\/v1\/verify"\} 3$/m);
    expect(body).toMatch(/^latchkey_http_request_duration_seconds_count\{method="POST",route="\/v1\/verify"\} 3$/m);
    expect(body).toMatch(/^latchkey_verify_results_total\{code="VALID"\} 2$/m);
    expect(body).toMatch(/^latchkey_verify_results_total\{code="MALFORMED"\} 1$/m);
    expect(Number(/^latchkey_token_cache_hits_total (\d+)$/m.exec(body)?.[1])).toBeGreaterThan(0);
    expect(body).toMatch(/^# TYPE latchkey_event_loop_lag_seconds gauge$/m);
    expect(body).toMatch(/^latchkey_test_queue_depth 7$/m);
    // No token ever appears in the metrics.
    expect(body).not.toMatch(/lk_(pat|sat)_/);
  });
});

describe('/metrics with LATCHKEY_METRICS_TOKEN', () => {
  let t: TestApp;
  let org: TestOrg;
  beforeAll(async () => {
    t = await createTestApp({ overrides: { metricsToken: 'scrape-secret-0123456789' } });
    org = await createTestOrg(t);
  });
  afterAll(() => t.close());

  it('needs that bearer: 401 without it, with a wrong one, or with an API token', async () => {
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics' }), 401, 'unauthorized');
    expectProblem(await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret-012345678' } }), 401, 'unauthorized');
    expectProblem(await request(t, { method: 'GET', url: '/metrics', token: org.token }), 401, 'unauthorized');
    const ok = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-secret-0123456789' } });
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toContain('latchkey_http_requests_total');
  });

  it('is read from the environment', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(loadConfig({ env: { LATCHKEY_METRICS_TOKEN: 'abc' }, cwd: t.dataDir }).metricsToken).toBe('abc');
    expect(loadConfig({ env: {}, cwd: t.dataDir }).metricsToken).toBeNull();
  });
});
