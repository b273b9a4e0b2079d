// The `latchkey` client commands as a person or a script runs them: the built
// binary in a child process against a real server (one per file), with its own
// config home. Plaintexts may appear only in the output of commands that mint or roll.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLI, ensureBuilt } from '../build.js';
import { cleanEnv, killAll, OWNER_EMAIL, OWNER_PASSWORD, run, Server, type Result } from './harness.js';

// Each test runs the binary many times; on a busy 2-core machine a run takes most of a second.
vi.setConfig({ testTimeout: 120_000 });

const server = new Server();
const TOKEN = /lk_(pat|sat)_[0-9A-Za-z]{30,}/;
/** Output of every command that neither mints nor rolls: no plaintext may be in it. */
const quiet: string[] = [];

async function cli(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Result> {
  const result = await run(args, env, input);
  quiet.push(result.stdout, result.stderr);
  return result;
}
/** A command that prints a secret (mint, roll). */
const minting = (args: string[], env: NodeJS.ProcessEnv, input = '') => run(args, env, input);

function credentials(home: string) {
  return path.join(home, 'latchkey', 'credentials.json');
}

async function login(home: string, token: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return cli(['login', '--url', server.url, '--token-stdin', ...extra], cleanEnv({ XDG_CONFIG_HOME: home, ...env }), token + '\n');
}

/** A member (invited, accepted) with a token of their own. */
async function addMember(role: string): Promise<{ userId: string; email: string; token: string }> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@acme.test`;
  const invited = await server.api<{ inviteToken: string }>('POST', '/v1/members', { email, role });
  const accepted = await fetch(`${server.url}/v1/auth/accept-invite`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inviteToken: invited.body.inviteToken, password: OWNER_PASSWORD, name: role }),
  });
  const session = (await accepted.json()) as { user: { id: string }; csrfToken: string };
  const cookie = accepted.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const minted = await fetch(`${server.url}/v1/api-tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': session.csrfToken },
    body: JSON.stringify({ name: `${role} token` }),
  });
  return { userId: session.user.id, email, token: ((await minted.json()) as { token: string }).token };
}

beforeAll(async () => {
  await ensureBuilt();
  await server.start();
}, 180_000);

afterAll(async () => {
  killAll();
  await server.stop();
});

describe('login, profiles, logout', () => {
  it('saves a checked token as a profile: directory 0700, file 0600', async () => {
    const home = server.home();
    const res = await login(home, server.token);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/Logged in to http:\/\/127\.0\.0\.1:\d+ as owner <owner@acme\.test> in Acme/);
    expect(statSync(path.join(home, 'latchkey')).mode & 0o777).toBe(0o700);
    expect(statSync(credentials(home)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(credentials(home), 'utf8'))).toEqual({ current: 'default', profiles: { default: { url: server.url, token: server.token } } });
    const who = await cli(['whoami', '--json'], cleanEnv({ XDG_CONFIG_HOME: home }));
    expect(who.code).toBe(0);
    expect(JSON.parse(who.stdout)).toMatchObject({ principal: { type: 'user', email: OWNER_EMAIL }, org: { name: 'Acme' }, credential: { type: 'token', prefix: server.token.slice(0, 11) }, scopes: expect.any(Array) });
  });

  it('refuses a bad token (exit 1) and saves nothing; an existing file is left as it was', async () => {
    const home = server.home();
    const bad = await login(home, 'lk_pat_' + 'x'.repeat(42));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/\[(unauthorized|invalid_token|malformed_token)\w*\]/);
    expect(existsSync(credentials(home))).toBe(false);

    expect((await login(home, server.token)).code).toBe(0);
    const before = readFileSync(credentials(home), 'utf8');
    const again = await login(home, 'lk_pat_' + 'y'.repeat(42), ['--profile', 'other']);
    expect(again.code).toBe(1);
    expect(readFileSync(credentials(home), 'utf8')).toBe(before);
  });

  it('refuses a credentials file others can read, saying how to fix it', async () => {
    const home = server.home();
    await login(home, server.token);
    chmodSync(credentials(home), 0o644);
    const who = await cli(['whoami'], cleanEnv({ XDG_CONFIG_HOME: home }));
    expect(who.code).toBe(1);
    expect(who.stderr).toContain(`chmod 600 ${credentials(home)}`);
    const relogin = await login(home, server.token);
    expect(relogin.code).toBe(1);
    expect(statSync(credentials(home)).mode & 0o777).toBe(0o644);
  });

  it('keeps a profile per login; --profile and LATCHKEY_PROFILE pick one; LATCHKEY_URL + LATCHKEY_TOKEN override', async () => {
    const home = server.home();
    const member = await addMember('member');
    expect((await login(home, server.token)).code).toBe(0);
    expect((await login(home, member.token, ['--profile', 'work'])).code).toBe(0);
    const file = JSON.parse(readFileSync(credentials(home), 'utf8'));
    expect(file.current).toBe('work');
    expect(Object.keys(file.profiles).sort()).toEqual(['default', 'work']);

    const email = async (args: string[], env: NodeJS.ProcessEnv = {}) => JSON.parse((await cli(['whoami', '--json', ...args], cleanEnv({ XDG_CONFIG_HOME: home, ...env }))).stdout).principal.email;
    expect(await email([])).toBe(member.email);
    expect(await email(['--profile', 'default'])).toBe(OWNER_EMAIL);
    expect(await email([], { LATCHKEY_PROFILE: 'default' })).toBe(OWNER_EMAIL);
    expect(await email(['--profile', 'default'], { LATCHKEY_URL: server.url, LATCHKEY_TOKEN: member.token })).toBe(member.email);

    const missing = await cli(['whoami', '--profile', 'nope'], cleanEnv({ XDG_CONFIG_HOME: home }));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/not logged in \(profile "nope"\): run `latchkey login --url URL --profile nope`/);
  });

  it('logout forgets the profile; --revoke revokes its token on the server', async () => {
    const home = server.home();
    const made = await server.api<{ token: string }>('POST', '/v1/api-tokens', { name: 'to log out' });
    await login(home, made.body.token);
    await login(home, server.token, ['--profile', 'keep']);
    const out = await cli(['logout', '--profile', 'default', '--revoke'], cleanEnv({ XDG_CONFIG_HOME: home }));
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Logged out of .* \(profile "default"\); token lk_pat_\w{4}… revoked/);
    expect((await server.api('GET', '/v1/me', undefined, made.body.token)).status).toBe(401);
    expect(Object.keys(JSON.parse(readFileSync(credentials(home), 'utf8')).profiles)).toEqual(['keep']);
    expect((await cli(['logout', '--profile', 'default'], cleanEnv({ XDG_CONFIG_HOME: home }))).code).toBe(1);
  });

  it('asks for email and a hidden password on a terminal, and mints "cli on <hostname>"', async () => {
    const home = server.home();
    // `script` gives the CLI a pseudo-terminal; answers are typed once each prompt shows.
    const child = spawn('script', ['-qfec', `${process.execPath} ${CLI} login --url ${server.url}`, '/dev/null'], { env: cleanEnv({ XDG_CONFIG_HOME: home }) });
    let output = '';
    const typed = new Set<string>();
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Email:') && !typed.has('email')) {
        typed.add('email');
        child.stdin.write(`${OWNER_EMAIL}\r`);
      }
      if (output.includes('Password:') && !typed.has('password')) {
        typed.add('password');
        child.stdin.write(`${OWNER_PASSWORD}\r`);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/Logged in to .* as owner <owner@acme\.test>/);
    expect(output).not.toContain(OWNER_PASSWORD);
    const saved = JSON.parse(readFileSync(credentials(home), 'utf8')).profiles.default;
    const me = await server.api<{ credential: { name: string } }>('GET', '/v1/me', undefined, saved.token);
    expect(me.body.credential.name).toMatch(new RegExp(`^cli on ${hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  it('without a terminal, asking is a usage error pointing at --token-stdin', async () => {
    const res = await cli(['login', '--url', server.url], cleanEnv({ XDG_CONFIG_HOME: server.home() }));
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--token-stdin/);
    expect(res.stderr).toMatch(/usage: latchkey login/);
  });
});

describe('tokens', () => {
  it('create → list → get → roll → revoke, with --json shapes, secrets only from create and roll', async () => {
    const env = server.ownerEnv();
    const created = await minting(['tokens', 'create', '--name', 'ci', '--scope', 'issues:read', '--scope', 'tokens:read', '--expires', '30d', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = JSON.parse(created.stdout);
    expect(token).toMatchObject({ id: expect.stringMatching(/^tok_/), name: 'ci', kind: 'personal', scopes: ['issues:read', 'tokens:read'], status: 'active', token: expect.stringMatching(TOKEN) });

    const human = await minting(['tokens', 'create', '--name', 'human', '--expires', 'never'], env);
    expect(human.stdout).toMatch(/^Token: lk_pat_\w+$/m);
    expect(human.stderr).toMatch(/shown once/);

    const list = await cli(['tokens', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+ID\s+PREFIX\s+SCOPES\s+LAST USED\s+EXPIRES\s+STATUS$/);
    expect(list.stdout).toMatch(new RegExp(`ci\\s+${token.id}\\s+${token.prefix}…\\s+issues:read tokens:read\\s+never`));
    const listed = JSON.parse((await cli(['tokens', 'list', '--json'], env)).stdout);
    expect(listed).toMatchObject({ data: expect.any(Array), nextCursor: null });
    expect(listed.data.find((t: { id: string }) => t.id === token.id)).not.toHaveProperty('token');

    const got = await cli(['tokens', 'get', token.id, '--json'], env);
    expect(JSON.parse(got.stdout)).toMatchObject({ id: token.id, name: 'ci' });
    expect(JSON.parse(got.stdout)).not.toHaveProperty('token');
    expect((await cli(['tokens', 'get', token.id], env)).stdout).toMatch(/^Status\s+active$/m);

    const rolled = await minting(['tokens', 'roll', token.id, '--grace', '1m', '--json'], env);
    expect(rolled.code, rolled.stderr).toBe(0);
    const fresh = JSON.parse(rolled.stdout).token as string;
    expect(fresh).not.toBe(token.token);
    expect((await server.api('GET', '/v1/me', undefined, fresh)).status).toBe(200);

    const refused = await cli(['tokens', 'revoke', token.id], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);
    expect((await server.api('GET', '/v1/me', undefined, fresh)).status).toBe(200);
    const revoked = await cli(['tokens', 'revoke', token.id, '--yes'], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(/Revoked token "ci"/);
    expect((await server.api('GET', '/v1/me', undefined, fresh)).status).toBe(401);
    expect(JSON.parse((await cli(['tokens', 'list', '--status', 'revoked', '--json'], env)).stdout).data.map((t: { id: string }) => t.id)).toContain(token.id);
  });

  it('usage errors exit 2 with the usage line; API errors exit 1 with the detail and code', async () => {
    const env = server.ownerEnv();
    const noName = await cli(['tokens', 'create'], env);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/required option '--name <name>'/);
    expect(noName.stderr).toMatch(/^usage: latchkey tokens create \[options\]$/m);
    const badExpiry = await cli(['tokens', 'create', '--name', 'x', '--expires', 'soonish'], env);
    expect(badExpiry.code).toBe(2);
    expect(badExpiry.stderr).toMatch(/--expires: "soonish"/);
    const badGrace = await cli(['tokens', 'roll', 'tok_abc', '--grace', 'a while'], env);
    expect(badGrace.code).toBe(2);
    const unknown = await cli(['tokens', 'frobnicate'], env);
    expect(unknown.code).toBe(2);

    const missing = await cli(['tokens', 'get', 'tok_doesnotexist0000'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .+ \[not_found\] \(request \S+\)/m);
    const badScope = await cli(['tokens', 'create', '--name', 'x', '--scope', 'nope:nope'], env);
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toMatch(/\[\w+\]/);
    const unreachable = await cli(['whoami'], cleanEnv({ LATCHKEY_URL: 'http://127.0.0.1:49151', LATCHKEY_TOKEN: server.token }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/Could not reach Latchkey.*\[network_error\]/);
  });
});

describe('org tokens, service accounts, teams, members', () => {
  it('org-tokens: create an API key with a role, list, roll, revoke', async () => {
    const env = server.ownerEnv();
    const created = await minting(['org-tokens', 'create', '--name', 'integration', '--role', 'viewer', '--expires', '1y', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key).toMatchObject({ kind: 'service', role: 'viewer', token: expect.stringMatching(/^lk_sat_/) });
    const list = await cli(['org-tokens', 'list', '--kind', 'service'], env);
    expect(list.stdout).toMatch(new RegExp(`integration\\s+${key.id}\\s+lk_sat_\\w{4}…\\s+role viewer`));
    expect((await cli(['org-tokens', 'create', '--name', 'x'], env)).code).toBe(2);
    const rolled = await minting(['org-tokens', 'roll', key.id], env);
    expect(rolled.stdout).toMatch(/^Token: lk_sat_/m);
    expect((await cli(['org-tokens', 'revoke', key.id, '--yes', '--json'], env)).stdout).toMatch(/"status":"revoked"/);
    expect((await cli(['org-tokens', 'revoke-all'], env)).code).toBe(2);
  });

  it('service-accounts: create, list, issue-token, revoke-token, delete (confirmed)', async () => {
    const env = server.ownerEnv();
    const created = await cli(['service-accounts', 'create', '--name', 'deployer', '--scope', 'issues:read,issues:write', '--json'], env);
    expect(created.code, created.stderr).toBe(0);
    const sa = JSON.parse(created.stdout);
    expect(sa).toMatchObject({ id: expect.stringMatching(/^sa_/), name: 'deployer', scopes: ['issues:read', 'issues:write'] });
    expect((await cli(['service-accounts', 'list'], env)).stdout).toMatch(/deployer\s+sa_\w+\s+issues:read issues:write/);
    const issued = await minting(['service-accounts', 'issue-token', sa.id, '--name', 'pipeline', '--scope', 'issues:read', '--json'], env);
    const token = JSON.parse(issued.stdout);
    expect(token).toMatchObject({ kind: 'service', serviceAccountId: sa.id, scopes: ['issues:read'] });
    expect((await cli(['service-accounts', 'tokens', sa.id], env)).stdout).toMatch(/pipeline/);
    expect((await cli(['service-accounts', 'revoke-token', sa.id, token.id, '--yes'], env)).code).toBe(0);
    expect((await cli(['service-accounts', 'delete', sa.id], env)).code).toBe(2);
    const deleted = await cli(['service-accounts', 'delete', sa.id, '--yes'], env);
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toMatch(/Deleted "deployer"/);
    expect((await cli(['service-accounts', 'list', '--json'], env)).stdout).not.toContain(sa.id);
  });

  it('teams: create, add-member by email, issue-token, attach, detach, delete', async () => {
    const env = server.ownerEnv();
    const team = JSON.parse((await cli(['teams', 'create', '--name', 'platform', '--json'], env)).stdout);
    expect(team).toMatchObject({ id: expect.stringMatching(/^team_/), name: 'platform' });
    const added = await cli(['teams', 'add-member', team.id, '--user', OWNER_EMAIL, '--scope', 'issues:read', '--resource', 'repo_1'], env);
    expect(added.code, added.stderr).toBe(0);
    expect((await cli(['teams', 'members', team.id], env)).stdout).toMatch(/owner@acme\.test\s+usr_\w+\s+issues:read on repo_1/);
    const issued = await minting(['teams', 'issue-token', team.id, '--name', 'ci', '--scope', 'issues:read', '--json'], env);
    expect(JSON.parse(issued.stdout)).toMatchObject({ teamId: team.id, token: expect.stringMatching(/^lk_sat_/) });
    const key = JSON.parse((await minting(['org-tokens', 'create', '--name', 'attachable', '--scope', 'issues:read', '--json'], env)).stdout);
    expect((await cli(['teams', 'attach', team.id, key.id, '--scope', 'issues:read'], env)).code).toBe(0);
    expect((await cli(['teams', 'tokens', team.id], env)).stdout).toMatch(/attachable/);
    expect((await cli(['teams', 'detach', team.id, key.id, '--yes'], env)).code).toBe(0);
    expect((await cli(['teams', 'add-member', team.id, '--user', 'nobody@acme.test', '--scope', 'issues:read'], env)).code).toBe(1);
    expect((await cli(['teams', 'list'], env)).stdout).toMatch(/platform\s+team_/);
    const deleted = await cli(['teams', 'delete', team.id, '--yes'], env);
    expect(deleted.stdout).toMatch(/Deleted team "platform"; 1 token\(s\) revoked/);
  });

  it('members: list, invite (invite token once), set-role, suspend, reactivate, remove', async () => {
    const env = server.ownerEnv();
    const invited = await minting(['members', 'invite', '--email', 'new@acme.test', '--role', 'viewer'], env);
    expect(invited.code, invited.stderr).toBe(0);
    expect(invited.stderr).toMatch(/Invited new@acme\.test as viewer/);
    expect(invited.stdout).toMatch(/Invite token/);
    const member = await addMember('member');
    expect((await cli(['members', 'list'], env)).stdout).toMatch(new RegExp(`${member.email.replace('.', '\\.')}\\s+member\\s+usr_\\w+\\s+member\\s+active`));
    expect((await cli(['members', 'set-role', member.email, 'viewer', '--json'], env)).stdout).toMatch(/"role":"viewer"/);
    expect((await cli(['members', 'suspend', member.userId], env)).stdout).toMatch(/viewer, suspended/);
    expect((await server.api('GET', '/v1/me', undefined, member.token)).status).toBe(401);
    expect((await cli(['members', 'reactivate', member.email], env)).stdout).toMatch(/viewer, active/);
    expect((await cli(['members', 'remove', member.email], env)).code).toBe(2);
    expect((await cli(['members', 'remove', member.email, '--yes'], env)).stdout).toMatch(/Removed .*; 1 token\(s\) revoked/);
    expect(JSON.parse((await cli(['members', 'list', '--json'], env)).stdout).data.map((m: { email: string }) => m.email)).not.toContain(member.email);
  });
});

describe('audit and verify', () => {
  it('audit list: a table, --json, --format jsonl and csv, filtered by action', async () => {
    const env = server.ownerEnv();
    const table = await cli(['audit', 'list', '--action', 'token.minted', '--limit', '3'], env);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^TIME\s+ACTOR\s+ACTION\s+TARGET\s+IP\s+REQUEST$/);
    expect(table.stdout.trim().split('\n')).toHaveLength(4);
    const lines = (await cli(['audit', 'list', '--action', 'token.*', '--format', 'jsonl'], env)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.every((e: { action: string }) => e.action.startsWith('token.'))).toBe(true);
    // Oldest first, as a log reads.
    expect(lines[0].createdAt <= lines[lines.length - 1].createdAt).toBe(true);
    const csv = (await cli(['audit', 'list', '--action', 'token.minted', '--format', 'csv'], env)).stdout.trim().split('\n');
    expect(csv[0]).toBe('id,createdAt,actorType,actorId,actorName,actorPrefix,action,targetType,targetId,ip,userAgent,requestId');
    expect(csv[1]).toMatch(/^evt_\w+,\d{4}-.*,token\.minted,/);
    const json = JSON.parse((await cli(['audit', 'list', '--limit', '2', '--json'], env)).stdout);
    expect(json.data).toHaveLength(2);
    expect((await cli(['audit', 'list', '--format', 'xml'], env)).code).toBe(2);
    expect((await cli(['audit', 'list', '--since', 'yesterday-ish'], env)).code).toBe(2);
  });

  it('audit list --follow prints events as they happen', async () => {
    const env = server.ownerEnv({ LATCHKEY_FOLLOW_INTERVAL_MS: '100' });
    const { spawnCli } = await import('./harness.js');
    const child = spawnCli(['audit', 'list', '--follow', '--format', 'jsonl', '--action', 'team.*', '--since', '1m'], env);
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.api('POST', '/v1/teams', { name: 'followed' });
    for (let i = 0; i < 100 && !output.includes('team.created'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    child.kill('SIGINT');
    expect(output).toMatch(/"action":"team\.created"/);
  });

  it('verify exits 0 only when valid and allowed, printing the code', async () => {
    const env = server.ownerEnv();
    const made = await server.api<{ token: string; id: string }>('POST', '/v1/api-tokens', { name: 'to verify', scopes: ['issues:read'] });
    const ok = await cli(['verify', '-', '--scope', 'issues:read'], env, made.body.token);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/VALID token "to verify" \(lk_pat_\w{4}…, personal\).*issues:read allowed/);
    const forbidden = await cli(['verify', '-', '--scope', 'issues:write', '--json'], env, made.body.token);
    expect(forbidden.code).toBe(1);
    expect(JSON.parse(forbidden.stdout)).toMatchObject({ valid: true, allowed: false, code: 'FORBIDDEN' });
    await server.api('DELETE', `/v1/api-tokens/${made.body.id}`);
    const revoked = await cli(['verify', '-'], env, made.body.token);
    expect(revoked.code).toBe(1);
    expect(revoked.stdout).toMatch(/REVOKED/);
  });
});

describe('completion', () => {
  it('bash completes commands and options from the command tree; zsh and fish scripts are printed', async () => {
    const env = server.ownerEnv();
    const bash = await cli(['completion', 'bash'], env);
    expect(bash.code).toBe(0);
    const file = path.join(server.home(), 'completion.bash');
    writeFileSync(file, bash.stdout);
    const complete = (words: string) =>
      new Promise<string>((resolve) => {
        const script = `source ${file}; COMP_WORDS=(${words}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _latchkey; echo "\${COMPREPLY[*]}"`;
        const child = spawn('bash', ['-c', script]);
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.on('close', () => resolve(out.trim()));
      });
    expect(await complete('latchkey to')).toBe('tokens');
    expect((await complete('latchkey tokens ""')).split(' ')).toEqual(expect.arrayContaining(['list', 'create', 'get', 'roll', 'revoke', 'revoke-all']));
    expect((await complete('latchkey tokens create --')).split(' ')).toEqual(expect.arrayContaining(['--name', '--scope', '--expires', '--json']));
    expect((await cli(['completion', 'zsh'], env)).stdout).toMatch(/^#compdef latchkey/);
    expect((await cli(['completion', 'fish'], env)).stdout).toMatch(/complete -c latchkey -n '__fish_seen_subcommand_from tokens; and not __fish_seen_subcommand_from .*' -a 'create'/);
    expect((await cli(['completion', 'tcsh'], env)).code).toBe(2);
  });
});

describe('the last word', () => {
  it('tokens revoke-all is refused off a terminal without --yes, and revokes every token of yours with it', async () => {
    const made = await server.api<{ token: string }>('POST', '/v1/api-tokens', { name: 'doomed' });
    const env = server.ownerEnv();
    const refused = await cli(['tokens', 'revoke-all'], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/not on a terminal, so pass --yes/);
    expect((await server.api('GET', '/v1/me', undefined, made.body.token)).status).toBe(200);
    const done = await cli(['tokens', 'revoke-all', '--yes'], env);
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/Revoked \d+ token\(s\)/);
    expect((await server.api('GET', '/v1/me', undefined, made.body.token)).status).toBe(401);
  });

  it('no command but mint and roll ever printed a plaintext token', () => {
    expect(quiet.join('\n')).not.toMatch(TOKEN);
  });
});
