// The `latchkey` command as a user runs it: the built bin/latchkey.js in a child
// process, on a temporary data directory, with no LATCHKEY_* environment.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../build.js';

const root = mkdtempSync(path.join(tmpdir(), 'latchkey-cli-'));
let dirs = 0;
const newDir = () => path.join(root, `data-${++dirs}`);
const children = new Set<ChildProcessWithoutNullStreams>();

/** The environment of a fresh shell: nothing of Latchkey's. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('LATCHKEY_') && key !== 'PORT' && key !== 'HOST'));
}

function start(args: string[], options: { cwd?: string } = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd ?? root, env: cleanEnv() });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function run(args: string[], options: { input?: string; cwd?: string } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function counts(dataDir: string): Record<string, number> {
  const db = new SQLite(path.join(dataDir, 'latchkey.db'), { readonly: true });
  try {
    const out: Record<string, number> = {};
    for (const table of ['orgs', 'users', 'memberships', 'tokens', 'token_secrets', 'audit_events']) {
      out[table] = (db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n;
    }
    return out;
  } finally {
    db.close();
  }
}

async function init(dataDir: string, extra: string[] = [], input?: string) {
  const res = await run(['init', '--org', 'Acme', '--email', 'Owner@Example.com', '--data-dir', dataDir, '--json', ...extra], { input });
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout) as { org: { id: string }; user: { id: string }; token: string };
}

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('latchkey init', () => {
  it('creates the org, its owner and a first token, printed once as JSON', async () => {
    const dataDir = newDir();
    const res = await run(['init', '--org', 'Acme', '--email', 'owner@example.com', '--data-dir', dataDir, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!);
    expect(out).toMatchObject({ org: { id: expect.stringMatching(/^org_/) }, user: { id: expect.stringMatching(/^usr_/) }, token: expect.stringMatching(/^lk_pat_[0-9A-Za-z]{42}$/) });
    expect(counts(dataDir)).toMatchObject({ orgs: 1, users: 1, memberships: 1, tokens: 1 });
    // Stored only as a hash.
    expect(readFileSync(path.join(dataDir, 'latchkey.db')).toString('latin1')).not.toContain(out.token);
  });

  it('writes the pepper with mode 0600', async () => {
    const dataDir = newDir();
    await init(dataDir);
    const pepper = path.join(dataDir, 'pepper');
    expect(statSync(pepper).mode & 0o777).toBe(0o600);
    expect(readFileSync(pepper, 'utf8').trim()).toMatch(/^[0-9a-f]{64,}$/);
  });

  it('refuses a second init with a clear message and a non-zero exit, changing nothing', async () => {
    const dataDir = newDir();
    const first = await init(dataDir);
    const before = counts(dataDir);
    const pepper = readFileSync(path.join(dataDir, 'pepper'), 'utf8');
    const again = await run(['init', '--org', 'Other', '--email', 'other@example.com', '--data-dir', dataDir, '--json']);
    expect(again.code).not.toBe(0);
    expect(again.code).not.toBeNull();
    expect(again.stderr).toMatch(/already has an organization/);
    expect(again.stdout).not.toMatch(/lk_pat_/);
    expect(counts(dataDir)).toEqual(before);
    expect(readFileSync(path.join(dataDir, 'pepper'), 'utf8')).toBe(pepper);
    expect(first.token).toMatch(/^lk_pat_/);
  });

  it('refuses a second init without writing a pepper file, even when the pepper came from the environment', async () => {
    const dataDir = newDir();
    await init(dataDir);
    rmSync(path.join(dataDir, 'pepper'));
    const again = await run(['init', '--org', 'Other', '--email', 'other@example.com', '--data-dir', dataDir]);
    expect(again.code).toBe(1);
    expect(existsSync(path.join(dataDir, 'pepper'))).toBe(false);
  });

  it('refuses a bad email or a short password before touching the data directory', async () => {
    const dataDir = newDir();
    const bad = await run(['init', '--org', 'Acme', '--email', 'not-an-email', '--data-dir', dataDir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/not an email/);
    const short = await run(['init', '--org', 'Acme', '--email', 'a@example.com', '--data-dir', dataDir, '--password-stdin'], { input: 'short\n' });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 8/);
    expect(existsSync(path.join(dataDir, 'latchkey.db'))).toBe(false);
    const missing = await run(['init', '--email', 'a@example.com', '--data-dir', dataDir]);
    expect(missing.code).not.toBe(0);
  });

  it('prints the token in a human message without --json', async () => {
    const res = await run(['init', '--org', 'Acme', '--email', 'owner@example.com', '--data-dir', newDir()]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/token: +lk_pat_[0-9A-Za-z]{42}/);
    expect(res.stdout).toMatch(/shown once/);
  });
});

describe('latchkey migrate', () => {
  it('brings a database to the latest schema, and is idempotent', async () => {
    const dataDir = newDir();
    const first = await run(['migrate', '--data-dir', dataDir, '--json']);
    expect(first.code, first.stderr).toBe(0);
    const { migrations } = JSON.parse(first.stdout) as { migrations: string[] };
    expect(migrations[0]).toBe('0001_core');
    const again = await run(['migrate', '--data-dir', dataDir, '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).migrations).toEqual(migrations);
    const text = await run(['migrate', '--data-dir', dataDir]);
    expect(text.stdout).toMatch(/latest schema/);
    // An initialised database migrates too, keeping its data.
    const initialised = newDir();
    await init(initialised);
    const before = counts(initialised);
    expect((await run(['migrate', '--data-dir', initialised])).code).toBe(0);
    expect(counts(initialised)).toEqual(before);
  });
});

describe('latchkey serve', () => {
  /** Starts `serve` and resolves with its URL once it prints "Latchkey listening on …". */
  function serve(dataDir: string, cwd: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string; output: () => string }> {
    const child = start(['serve', '--data-dir', dataDir, '--port', '0'], { cwd });
    let output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Latchkey listening on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve({ child, url: match[1]!, output: () => output });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    });
  }

  it('serves the API; the init token and password work; SIGTERM exits 0 after flushing the last use', async () => {
    const dataDir = newDir();
    // Last-use writes only at shutdown, so the flush on SIGTERM is what records the use.
    const cwd = mkdtempSync(path.join(root, 'cwd-'));
    writeFileSync(path.join(cwd, 'latchkey.config.json'), JSON.stringify({ lastUseFlushMs: 3_600_000 }));
    const password = 'a password from stdin';
    const created = await init(dataDir, ['--password-stdin'], `${password}\n`);

    const { child, url } = await serve(dataDir, cwd);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Number(new URL(url).port)).toBeGreaterThan(0);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${created.token}`, 'user-agent': 'cli-test' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ principal: { id: created.user.id, email: 'owner@example.com' }, org: { id: created.org.id } });

    const login = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password }) });
    expect(login.status).toBe(200);
    expect(login.headers.get('set-cookie')).toMatch(/latchkey_session=/);
    const wrong = await fetch(`${url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'owner@example.com', password: 'nope nope' }) });
    expect(wrong.status).toBe(401);

    const db = new SQLite(path.join(dataDir, 'latchkey.db'), { readonly: true });
    const lastUsed = () => db.prepare('select last_used_at, last_user_agent from tokens where id = (select target_id from audit_events where action = ? limit 1)').get('token.minted') as { last_used_at: string | null; last_user_agent: string | null };
    expect(lastUsed().last_used_at).toBeNull();

    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lastUsed()).toMatchObject({ last_used_at: expect.any(String), last_user_agent: 'cli-test' });
    const used = db.prepare("select count(*) as n from audit_events where action = 'token.used'").get() as { n: number };
    expect(used.n).toBe(1);
    db.close();
  });

  it('exits 0 on SIGINT too, and refuses a bad port', async () => {
    const dataDir = newDir();
    await init(dataDir);
    const { child } = await serve(dataDir, root);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const bad = await run(['serve', '--data-dir', dataDir, '--port', 'eighty']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid port/);
  });
});
