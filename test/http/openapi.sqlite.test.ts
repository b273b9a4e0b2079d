// The OpenAPI document as its consumers meet it: Redocly's linter (recommended
// ruleset plus redocly.yaml) finds no error and no warning; every operation has
// the names generated clients key on (a unique camelCase operationId, a tag, a
// summary, a description) and declares the scope it needs. SQLite only: the
// document does not depend on the database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGEMENT_SCOPES } from '../../src/permissions/catalogue.js';
import { ROOT } from '../build.js';
import { createTestApp, type TestApp } from '../helpers.js';

type Operation = {
  operationId?: string;
  tags?: string[];
  summary?: string;
  description?: string;
  security?: unknown[];
  'x-required-scope'?: string;
  requestBody?: { content: Record<string, { example?: unknown }> };
};
type Doc = { paths: Record<string, Record<string, Operation>>; tags: { name: string }[]; servers: unknown[]; info: { license?: unknown } };

let t: TestApp;
let doc: Doc;
let work: string;

beforeAll(async () => {
  t = await createTestApp();
  doc = (await t.app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
  work = mkdtempSync(path.join(tmpdir(), 'latchkey-openapi-'));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

function operations(): Array<{ method: string; path: string; op: Operation }> {
  return Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path: p, op })));
}

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
}

/** Runs the Redocly CLI the project installs on the given files, with the project's redocly.yaml: one report per file. */
function redoclyLint(files: string[]): LintReport[] {
  const cli = path.join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
  const run = spawnSync(process.execPath, [cli, 'lint', ...files, '--config', path.join(ROOT, 'redocly.yaml'), '--format=json'], {
    cwd: ROOT,
    encoding: 'utf8',
    // No telemetry or update check from a test run.
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  const start = run.stdout.indexOf('{');
  if (start < 0) throw new Error(`redocly printed no report (exit ${run.status}): ${run.stderr}`);
  // One JSON object per file, back to back ("}{" at the start of a line).
  return run.stdout
    .slice(start)
    .split(/(?<=^\})(?=\{)/m)
    .map((chunk) => JSON.parse(chunk) as LintReport);
}

describe('Redocly lint', () => {
  it('finds no error and no warning in /v1/openapi.json, and does find a broken copy', () => {
    const good = path.join(work, 'openapi.json');
    writeFileSync(good, JSON.stringify(doc));
    // The same document with one operationId and one request example removed: the linter must object.
    const broken = structuredClone(doc);
    delete broken.paths['/v1/api-tokens']!.get!.operationId;
    delete broken.paths['/v1/tokens']!.post!.requestBody!.content['application/json']!.example;
    const bad = path.join(work, 'broken.json');
    writeFileSync(bad, JSON.stringify(broken));

    const [ofGood, ofBad] = redoclyLint([good, bad]);
    expect(ofGood!.problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
    expect(ofGood!.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(ofBad!.problems.map((p) => p.ruleId).sort()).toEqual(['operation-operationId', 'rule/request-body-example']);
  });
});

describe('what clients key on', () => {
  it('every operation has a unique camelCase operationId, a declared tag, a summary and a description', () => {
    const declaredTags = new Set(doc.tags.map((tag) => tag.name));
    const ids = new Set<string>();
    const failures: string[] = [];
    for (const { method, path: p, op } of operations()) {
      const where = `${method.toUpperCase()} ${p}`;
      if (!op.operationId || !/^[a-z][a-zA-Z0-9]+$/.test(op.operationId)) failures.push(`${where}: operationId ${op.operationId}`);
      else if (ids.has(op.operationId)) failures.push(`${where}: operationId ${op.operationId} used twice`);
      ids.add(op.operationId ?? '');
      if (op.tags?.length !== 1 || !declaredTags.has(op.tags[0]!)) failures.push(`${where}: tags ${JSON.stringify(op.tags)}`);
      if (!op.summary || op.summary.length > 80) failures.push(`${where}: summary should be one short line`);
      if (!op.description) failures.push(`${where}: no description`);
    }
    expect(failures).toEqual([]);
    // The names the SDK's methods are generated from (a rename breaks every client).
    expect([...ids]).toEqual(
      expect.arrayContaining([
        'listApiTokens', 'createApiToken', 'getApiToken', 'revokeApiToken', 'rollApiToken', 'revokeAllApiTokens',
        'listTokens', 'createToken', 'getToken', 'rollToken', 'revokeToken', 'revokeAllTokens',
        'verifyToken', 'getMe', 'getOrg', 'updateOrg', 'listMembers',
      ]),
    );
  });

  it('names its servers and license', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license).toMatchObject({ name: 'MIT' });
  });

  it('every operation that acts in an org declares the scope it needs, and says so in its description', () => {
    const known = new Set(MANAGEMENT_SCOPES.map((s) => s.scope));
    // Open to any credential of the org: who am I, and what could be granted. A new
    // route either declares its scope (`[REQUIRED_SCOPE]` in its schema) or is added here.
    const anyCredential = new Set(['getMe', 'listRoles', 'listScopes', 'listPlans']);
    const failures: string[] = [];
    for (const { op } of operations()) {
      const scope = op['x-required-scope'];
      const needsOrg = op.security === undefined; // public and session-only routes say so in their own security
      if (!needsOrg || anyCredential.has(op.operationId!)) {
        if (scope !== undefined) failures.push(`${op.operationId}: declares ${scope} but is not an org route`);
        continue;
      }
      if (scope === undefined || !known.has(scope)) failures.push(`${op.operationId}: x-required-scope ${scope}`);
      else if (!op.description?.includes(`\`${scope}\``)) failures.push(`${op.operationId}: description does not name ${scope}`);
    }
    expect(failures).toEqual([]);
    const scopeOf = (id: string) => operations().find((o) => o.op.operationId === id)?.op['x-required-scope'];
    expect(['listTokens', 'createToken', 'getToken', 'rollToken', 'revokeToken', 'revokeAllTokens'].map(scopeOf)).toEqual(Array(6).fill('tokens:admin'));
    expect(['listApiTokens', 'getApiToken'].map(scopeOf)).toEqual(['tokens:read', 'tokens:read']);
    expect(['createApiToken', 'rollApiToken', 'revokeApiToken', 'revokeAllApiTokens'].map(scopeOf)).toEqual(Array(4).fill('tokens:manage'));
  });

  it('public and session-only operations say which credentials they take', () => {
    const securityOf = (id: string) => operations().find((o) => o.op.operationId === id)?.op.security;
    expect(securityOf('login')).toEqual([]);
    expect(securityOf('acceptInvite')).toEqual([]);
    expect(securityOf('createOrg')).toEqual([{ session: [] }]);
    expect(securityOf('logout')).toEqual([{ session: [] }]);
  });
});
