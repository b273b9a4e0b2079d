// The SDK's request/response types are generated from the server's OpenAPI
// document (openapi-typescript). This fails when the committed file no longer
// matches what the server serves; `npm run sdk:types` rewrites it.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../build.js';
import { createTestApp, type TestApp } from '../helpers.js';

const GENERATED = path.join(ROOT, 'packages', 'sdk', 'src', 'generated', 'openapi.ts');
const HEADER = `${COMMENT_HEADER.trimEnd()}\n// Generated from the server's /v1/openapi.json by \`npm run sdk:types\`; test/sdk/openapi-types.test.ts fails when it is stale.\n\n`;

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('generated OpenAPI types', () => {
  it("match the server's current document", async () => {
    const res = await t.app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(res.statusCode).toBe(200);
    const ast = await openapiTS(res.json(), { alphabetize: true });
    const generated = HEADER + astToString(ast);
    if (process.env.LATCHKEY_WRITE_SDK_TYPES === '1') writeFileSync(GENERATED, generated);
    const committed = existsSync(GENERATED) ? readFileSync(GENERATED, 'utf8') : '';
    expect(committed === generated, 'packages/sdk/src/generated/openapi.ts is stale: run `npm run sdk:types`').toBe(true);
  });
});
