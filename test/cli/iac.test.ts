// `latchkey plan` / `apply` against a real server (SQLite and PostgreSQL): a
// file creates an org's objects, a second plan finds nothing to do, changes
// update or replace, --prune removes, a bad file or an escalation changes
// nothing, and an apply cut short by the server dying is finished by the next.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt } from '../build.js';
import { cleanEnv, killAll, run, Server } from './harness.js';

vi.setConfig({ testTimeout: 120_000 });

const server = new Server();
let dir = '';

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const env = (url = server.url, token = server.token) => cleanEnv({ XDG_CONFIG_HOME: dir, LATCHKEY_URL: url, LATCHKEY_TOKEN: token });

async function snapshot() {
  const [accounts, teams, keys, org] = await Promise.all([
    server.api('GET', '/v1/service-accounts?limit=200'),
    server.api('GET', '/v1/teams?limit=200'),
    server.api('GET', '/v1/tokens?kind=service&limit=200'),
    server.api('GET', '/v1/org'),
  ]);
  return { accounts: accounts.body, teams: teams.body, keys: keys.body, policy: (org.body as { policy: unknown }).policy };
}

const ORG = `# The org as code
policy: { maxLifetimeDays: 400 }
serviceAccounts:
  - name: deployer
    scopes: [issues:read, issues:write]
    tokens:
      - { name: pipeline, expiresIn: 90d }
teams:
  - name: platform
    members:
      - { email: owner@acme.test, scopes: [issues:read], resources: [repo_1] }
    tokens:
      - { name: ci, scopes: [issues:read], expiresIn: 90d }
orgTokens:
  - { name: integration, role: viewer, expiresIn: 1y }
`;

beforeAll(async () => {
  await ensureBuilt();
  await server.start();
  dir = server.home();
}, 180_000);

afterAll(async () => {
  killAll();
  await server.stop();
});

describe('plan and apply', () => {
  it('creates everything from empty, writes new secrets to a 0600 file, and then has nothing to do', async () => {
    const file = write('org.yaml', ORG);
    const plan = await run(['plan', '-f', file], env());
    expect(plan.code, plan.stderr).toBe(0);
    const lines = plan.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '~ policy org policy (maxLifetimeDays null → 400)',
        '+ serviceAccounts/deployer service account',
        '+ serviceAccounts/deployer/pipeline token',
        '+ teams/platform team',
        '+ teams/platform/members/owner@acme.test team member',
        '+ teams/platform/ci token',
        '+ orgTokens/integration token',
        'Plan: 6 to add, 1 to change, 0 to destroy.',
      ]),
    );
    expect((await run(['plan', '-f', file, '--detailed-exitcode'], env())).code).toBe(2);

    const before = await snapshot();
    const unasked = await run(['apply', '-f', file], env());
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/--auto-approve/);
    expect(await snapshot()).toEqual(before);

    const secrets = path.join(dir, 'secrets.json');
    const applied = await run(['apply', '-f', file, '--auto-approve', '--secrets-out', secrets], env());
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: 6 added, 1 changed, 0 destroyed\./);
    expect(applied.stdout).not.toMatch(/lk_sat_\w{30,}/);
    expect(statSync(secrets).mode & 0o777).toBe(0o600);
    const minted = JSON.parse(readFileSync(secrets, 'utf8')) as Record<string, string>;
    expect(Object.keys(minted).sort()).toEqual(['orgTokens/integration', 'serviceAccounts/deployer/pipeline', 'teams/platform/ci']);
    for (const token of Object.values(minted)) expect((await server.api('GET', '/v1/me', undefined, token)).status).toBe(200);

    const again = await run(['plan', '-f', file, '--detailed-exitcode'], env());
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^No changes\./m);
    const keysBefore = await snapshot();
    const reapplied = await run(['apply', '-f', file, '--auto-approve', '--secrets-out', secrets], env());
    expect(reapplied.stdout).toMatch(/^No changes\./m);
    // Nothing re-minted: the same tokens, the same secrets file.
    expect(await snapshot()).toEqual(keysBefore);
    expect(JSON.parse(readFileSync(secrets, 'utf8'))).toEqual(minted);
  });

  it('updates in place (~) and replaces a token whose scopes or expiry changed (-/+), printing the new secret once; JSON works too', async () => {
    const old = JSON.parse(readFileSync(path.join(dir, 'secrets.json'), 'utf8'))['serviceAccounts/deployer/pipeline'] as string;
    const file = write(
      'org.json',
      JSON.stringify({
        serviceAccounts: [{ name: 'deployer', scopes: ['issues:read'], tokens: [{ name: 'pipeline', expiresIn: '30d' }] }],
        teams: [{ name: 'platform', members: [{ email: 'owner@acme.test', scopes: ['issues:read', 'issues:write'] }] }],
      }, null, 2),
    );
    const plan = await run(['plan', '-f', file], env());
    const lines = plan.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '~ serviceAccounts/deployer service account (scopes issues:read issues:write → issues:read)',
        '-/+ serviceAccounts/deployer/pipeline token (scopes issues:read issues:write → issues:read, expiry 90d → 30d)',
        '~ teams/platform/members/owner@acme.test team member (scopes issues:read → issues:read issues:write, resources repo_1 → (none))',
        'Plan: 1 to add, 2 to change, 1 to destroy.',
      ]),
    );
    const applied = await run(['apply', '-f', file, '--auto-approve'], env());
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const secret = /serviceAccounts\/deployer\/pipeline\s+(lk_sat_\w+)/.exec(applied.stdout)?.[1];
    expect(secret).toBeDefined();
    expect((await server.api('GET', '/v1/me', undefined, secret)).status).toBe(200);
    expect((await server.api('GET', '/v1/me', undefined, old)).status).toBe(401);
    expect((await run(['plan', '-f', file], env())).stdout).toMatch(/^No changes\./m);
  });

  it('removes what the file does not name only with --prune, in the sections the file has', async () => {
    const file = write('pruned.yaml', 'teams: []\norgTokens: []\n');
    expect((await run(['plan', '-f', file], env())).stdout).toMatch(/^No changes\./m);
    const plan = await run(['plan', '-f', file, '--prune'], env());
    const lines = plan.stdout.split('\n').map((l) => l.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(expect.arrayContaining(['- orgTokens/integration token', '- teams/platform team', 'Plan: 0 to add, 0 to change, 2 to destroy.']));
    // The service account is in no section of this file: it is left alone.
    expect(plan.stdout).not.toMatch(/deployer/);
    const applied = await run(['apply', '-f', file, '--prune', '--auto-approve'], env());
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const after = await snapshot();
    expect((after.teams as { data: unknown[] }).data).toEqual([]);
    expect((after.accounts as { data: { name: string }[] }).data.map((a) => a.name)).toEqual(['deployer']);
    expect((await run(['plan', '-f', file, '--prune', '--detailed-exitcode'], env())).code).toBe(0);
  });

  it('a bad file changes nothing and says where each problem is, by path and line', async () => {
    const before = await snapshot();
    const file = write(
      'bad.yaml',
      [
        'serviceAccounts:', //                           1
        '  - name: builder', //                          2
        '    scopes: [issues:read]', //                  3
        '    colour: blue', //                           4
        'teams:', //                                     5
        '  - name: alpha', //                            6
        '  - name: alpha', //                            7
        '',
      ].join('\n'),
    );
    const res = await run(['apply', '-f', file, '--auto-approve'], env());
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${file}:4:5: serviceAccounts[0].colour: unknown key "colour"`);
    expect(await snapshot()).toEqual(before);

    const dup = write('dup.yaml', 'teams:\n  - name: alpha\n  - name: alpha\n');
    const dupRes = await run(['plan', '-f', dup], env());
    expect(dupRes.code).toBe(1);
    expect(dupRes.stderr).toContain(`${dup}:3:11: teams[1].name: team "alpha" is already declared at teams[0] (line 2)`);

    const scopes = write('scopes.yaml', 'serviceAccounts:\n  - name: builder\n    scopes:\n      - issues:read\n      - issues:destroy\n');
    const scopeRes = await run(['apply', '-f', scopes, '--auto-approve'], env());
    expect(scopeRes.code).toBe(1);
    expect(scopeRes.stderr).toContain(`${scopes}:5:9: serviceAccounts[0].scopes[1]: unknown scope "issues:destroy"`);
    expect(scopeRes.stderr).toMatch(/nothing was changed/);

    const broken = write('broken.yaml', 'teams:\n  - name: [unclosed\n');
    expect((await run(['plan', '-f', broken], env())).stderr).toMatch(/broken\.yaml:\d+:\d+: /);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses scopes and roles beyond the caller (no escalation), changing nothing', async () => {
    const narrow = await server.api<{ token: string }>('POST', '/v1/api-tokens', { name: 'narrow iac', expiresIn: '30d', scopes: ['service_accounts:read', 'service_accounts:manage', 'tokens:read', 'tokens:manage', 'issues:read'] });
    const before = await snapshot();
    const file = write('escalate.yaml', 'serviceAccounts:\n  - name: sneaky\n    scopes: [issues:read, issues:write]\norgTokens:\n  - { name: boss, role: admin }\n');
    const res = await run(['apply', '-f', file, '--auto-approve'], env(server.url, narrow.body.token));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(`${file}:3:27: serviceAccounts[0].scopes[1]: "issues:write" is beyond what your credential may grant`);
    expect(res.stderr).toMatch(/escalate\.yaml:5:\d+: orgTokens\[0\]\.role: role "admin" is above yours/);
    expect(await snapshot()).toEqual(before);
  });

  it('an apply cut short by the server dying says what was and was not applied; the next apply finishes the job', async () => {
    const names = ['svc-a', 'svc-b', 'svc-c', 'svc-d', 'svc-e'];
    const file = write('five.yaml', `serviceAccounts:\n${names.map((n) => `  - { name: ${n}, scopes: [issues:read] }`).join('\n')}\n`);
    // A proxy in front of the server kills it (kill -9) as the third change arrives.
    let writes = 0;
    const proxy = http.createServer((req, res) => {
      if (req.method !== 'GET' && ++writes === 3) {
        void server.kill().then(() => req.socket.destroy());
        return;
      }
      const target = new URL(req.url ?? '/', server.url);
      const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const cut = await run(['apply', '-f', file, '--auto-approve'], env(proxyUrl));
      expect(cut.code).toBe(1);
      expect(cut.stdout).toMatch(/Apply stopped: 2 of 5 change\(s\) applied\./);
      const applied = cut.stdout.slice(cut.stdout.indexOf('Applied:'), cut.stdout.indexOf('Not applied:'));
      expect(applied).toMatch(/\+ serviceAccounts\/svc-a/);
      expect(applied).toMatch(/\+ serviceAccounts\/svc-b/);
      const notApplied = cut.stdout.slice(cut.stdout.indexOf('Not applied:'));
      expect(notApplied).toMatch(/\+ serviceAccounts\/svc-c \(failed\)/);
      expect(notApplied).toMatch(/\+ serviceAccounts\/svc-e/);
      expect(cut.stdout).toMatch(/Run `latchkey apply` again to finish/);
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }

    await server.serve();
    const finish = await run(['apply', '-f', file, '--auto-approve'], env());
    expect(finish.code, finish.stdout + finish.stderr).toBe(0);
    expect(finish.stdout).toMatch(/Plan: 3 to add, 0 to change, 0 to destroy\./);
    expect((await run(['plan', '-f', file], env())).stdout).toMatch(/^No changes\./m);
    const accounts = ((await snapshot()).accounts as { data: { name: string }[] }).data.map((a) => a.name).filter((n) => n.startsWith('svc-'));
    expect(accounts.sort()).toEqual(names);
  });

  it('schema prints the JSON Schema; a missing file is an error', async () => {
    const schema = await run(['schema'], env());
    expect(schema.code).toBe(0);
    expect(JSON.parse(schema.stdout)).toMatchObject({ type: 'object', additionalProperties: false, properties: { serviceAccounts: { type: 'array' }, orgTokens: { type: 'array' } } });
    const missing = await run(['plan', '-f', path.join(dir, 'nope.yaml')], env());
    expect(missing.code).toBe(1);
    expect(existsSync(path.join(dir, 'nope.yaml'))).toBe(false);
  });
});
