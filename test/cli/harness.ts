// A real Latchkey server in a child process (`latchkey init` + `latchkey serve`,
// on SQLite or on a PostgreSQL schema of the run's database) and the real
// `latchkey` binary run against it, each with its own config home and no
// LATCHKEY_* variables but the ones a test gives.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { CLI } from '../build.js';
import { TEST_SCOPES, testDialect } from '../helpers.js';
import { createSchema, dropSchema, withSearchPath } from '../postgres.js';

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const OWNER_EMAIL = 'owner@acme.test';
export const OWNER_PASSWORD = 'correct horse battery staple';

/** The environment of a fresh shell: nothing of Latchkey's, no colour forced. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('LATCHKEY_') && !['PORT', 'HOST', 'FORCE_COLOR', 'NO_COLOR', 'XDG_CONFIG_HOME'].includes(key)));
  return { ...base, ...extra };
}

const children = new Set<ChildProcessWithoutNullStreams>();

export function spawnCli(args: string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, ...args], { env, cwd });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

export function run(args: string[], env: NodeJS.ProcessEnv, input = ''): Promise<Result> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

export class Server {
  url = '';
  token = '';
  process: ChildProcessWithoutNullStreams | null = null;
  readonly root: string;
  readonly dataDir: string;
  #env: NodeJS.ProcessEnv = {};
  #schema: { runUrl: string; name: string } | null = null;

  constructor() {
    this.root = mkdtempSync(path.join(tmpdir(), 'latchkey-client-'));
    this.dataDir = path.join(this.root, 'data');
    mkdirSync(this.dataDir);
  }

  /** init (an org, its owner with OWNER_PASSWORD, the owner's token) and serve. */
  async start(): Promise<this> {
    writeFileSync(path.join(this.dataDir, 'latchkey.config.json'), JSON.stringify({ scopes: TEST_SCOPES }));
    const env: NodeJS.ProcessEnv = { LATCHKEY_DATA_DIR: this.dataDir, LATCHKEY_PEPPER: randomBytes(32).toString('hex') };
    if (testDialect === 'postgres') {
      const runUrl = inject('postgresRunUrl');
      const name = await createSchema(runUrl);
      this.#schema = { runUrl, name };
      env.LATCHKEY_DATABASE_URL = withSearchPath(runUrl, name);
    }
    this.#env = cleanEnv(env);
    const init = await new Promise<Result>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'init', '--org', 'Acme', '--email', OWNER_EMAIL, '--password-stdin', '--json'], { env: this.#env, cwd: this.dataDir });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdin.end(OWNER_PASSWORD + '\n');
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    if (init.code !== 0) throw new Error(`init failed: ${init.stderr}`);
    this.token = (JSON.parse(init.stdout) as { token: string }).token;
    await this.serve();
    return this;
  }

  /** (Re)starts `latchkey serve --port 0` on the same database; resolves once it listens. */
  serve(): Promise<void> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { env: this.#env, cwd: this.dataDir });
    this.process = child;
    children.add(child);
    child.on('exit', () => children.delete(child));
    let output = '';
    let listening = false;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 30_000);
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        output += c.toString();
        const match = /Latchkey listening on (http:\/\/\S+)/.exec(output);
        if (match && !listening) {
          listening = true;
          clearTimeout(timer);
          this.url = match[1]!;
          resolve();
        }
      });
      child.on('exit', (code) => {
        if (!listening) reject(new Error(`serve exited with ${code}:\n${output}`));
      });
    });
  }

  /** kill -9: the server dies mid-whatever. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
    if (this.#schema) await dropSchema(this.#schema.runUrl, this.#schema.name);
    rmSync(this.root, { recursive: true, force: true });
  }

  /** A config home of its own (for the credentials file). */
  home(): string {
    const dir = mkdtempSync(path.join(this.root, 'home-'));
    return dir;
  }

  /** The environment for a CLI run as the owner, through LATCHKEY_URL + LATCHKEY_TOKEN. */
  ownerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return cleanEnv({ XDG_CONFIG_HOME: this.home(), LATCHKEY_URL: this.url, LATCHKEY_TOKEN: this.token, ...extra });
  }

  /** A JSON call straight to the API (for arranging and checking, not for what is under test). */
  async api<T = Record<string, unknown>>(method: string, pathname: string, body?: unknown, token = this.token): Promise<{ status: number; body: T }> {
    const response = await fetch(this.url + pathname, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }
}
