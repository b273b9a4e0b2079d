// Requests Fastify turns away before routing still get problem+json with a code
// and the request id (found by the route fuzzer: they used to answer plain JSON).
import { afterAll, beforeAll, it } from 'vitest';
import { createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});

afterAll(() => t.close());

it('a path parameter longer than any id: 414 uri_too_long', async () => {
  const res = await request(t, { method: 'GET', url: `/v1/teams/${'x'.repeat(500)}`, token: org.token });
  expectProblem(res, 414, 'uri_too_long');
});

it('a malformed percent-escape in the path: 400 bad_request', async () => {
  const res = await request(t, { method: 'GET', url: '/v1/teams/%E0%A4%A', token: org.token });
  expectProblem(res, 400, 'bad_request');
});
