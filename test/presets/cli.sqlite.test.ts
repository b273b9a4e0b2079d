// `latchkey presets` and `latchkey init --preset NAME` as a user runs them: the
// built bin/latchkey.js in a child process, in a fresh working directory, then
// `serve` on what init made. Each test starts several processes, so it gets more
// than the default 30 s on a loaded machine.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../build.js';

const root = mkdtempSync(path.join(tmpdir(), 'latchkey-presets-cli-'));
let dirs = 0;
const children = new Set<ChildProcessWithoutNullStreams>();

/** A fresh working directory (where latchkey.config.json is read and written). */
function workdir(): string {
  const dir = path.join(root, `work-${++dirs}`);
  mkdirSync(dir);
  return dir;
}

function start(args: string[], cwd: string): ChildProcessWithoutNullStreams {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('LATCHKEY_') && key !== 'PORT'));
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function run(args: string[], cwd: string = root): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = start(args, cwd);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end('');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

beforeAll(async () => {
  await ensureBuilt();
}, 180_000);
afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

describe('latchkey presets', () => {
  it('lists every preset, one line each with what it is', async () => {
    const res = await run(['presets']);
    expect(res.code, res.stderr).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['caputchin', 'causeloop', 'cmdop', 'org-roles']);
    expect(lines[0]).toMatch(/^caputchin\s+Caputchin \(seeds 000, 001\)/);
    const json = await run(['presets', '--json']);
    expect(JSON.parse(json.stdout)).toContainEqual({ name: 'cmdop', description: expect.stringContaining('fleet') });
  });
});

describe('latchkey init --preset', () => {
  it('initialises with the preset, records it in latchkey.config.json, and serve runs with it', async () => {
    const cwd = workdir();
    writeFileSync(path.join(cwd, 'latchkey.config.json'), JSON.stringify({ lastUseFlushMs: 500 }));
    const res = await run(['init', '--preset', 'caputchin', '--org', 'Acme', '--email', 'owner@example.com', '--data-dir', 'data', '--json'], cwd);
    expect(res.code, res.stderr).toBe(0);
    const { token } = JSON.parse(res.stdout) as { token: string };
    expect(token).toMatch(/^cpt_pat_/);
    expect(JSON.parse(readFileSync(path.join(cwd, 'latchkey.config.json'), 'utf8'))).toEqual({ lastUseFlushMs: 500, preset: 'caputchin' });

    const child = start(['serve', '--data-dir', 'data', '--port', '0'], cwd);
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /Latchkey listening on (http:\/\/\S+)/.exec(output);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
    });
    try {
      const me = (await (await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${token}` } })).json()) as { preset: string; vocabulary: { teams: string } };
      expect(me.preset).toBe('caputchin');
      expect(me.vocabulary.teams).toBe('troops');
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('exit', resolve));
    }
  }, 90_000);

  it('refuses an unknown preset, or a config that names another one, and writes nothing', async () => {
    const cwd = workdir();
    const unknown = await run(['init', '--preset', 'nope', '--org', 'Acme', '--email', 'owner@example.com', '--data-dir', 'data'], cwd);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown preset "nope"');
    expect(existsSync(path.join(cwd, 'latchkey.config.json'))).toBe(false);
    expect(existsSync(path.join(cwd, 'data'))).toBe(false);

    writeFileSync(path.join(cwd, 'latchkey.config.json'), JSON.stringify({ preset: 'cmdop' }));
    const clash = await run(['init', '--preset', 'caputchin', '--org', 'Acme', '--email', 'owner@example.com', '--data-dir', 'data'], cwd);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('already names the preset "cmdop"');
    expect(JSON.parse(readFileSync(path.join(cwd, 'latchkey.config.json'), 'utf8'))).toEqual({ preset: 'cmdop' });
    expect(existsSync(path.join(cwd, 'data', 'latchkey.db'))).toBe(false);
  }, 90_000);
});
