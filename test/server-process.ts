// The real `latchkey` server as a child process, for tests that must kill it
// (kill -9) and start it again on the same data: SQLite in a data directory, or
// a schema of the run's PostgreSQL database in the postgres project.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { CLI, ensureBuilt } from './build.js';
import { testDialect } from './helpers.js';
import { createSchema, dropSchema, withSearchPath } from './postgres.js';

const run = promisify(execFile);

export interface ServerData {
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** The SQLite file (SQLite only). */
  sqliteFile: string | null;
  remove(): Promise<void>;
}

/** A data directory (and, on PostgreSQL, a schema) with `config` as latchkey.config.json. */
export async function serverData(config: Record<string, unknown> = {}, extraEnv: NodeJS.ProcessEnv = {}): Promise<ServerData> {
  await ensureBuilt();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-proc-'));
  const configFile = path.join(dataDir, 'latchkey.config.json');
  writeFileSync(configFile, JSON.stringify(config));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LATCHKEY_DATA_DIR: dataDir, LATCHKEY_CONFIG: configFile, LATCHKEY_LOG_LEVEL: 'warn', ...extraEnv };
  let schema: string | null = null;
  if (testDialect === 'postgres') {
    schema = await createSchema(inject('postgresRunUrl'));
    env.LATCHKEY_DATABASE_URL = withSearchPath(inject('postgresRunUrl'), schema);
  }
  return {
    dataDir,
    env,
    sqliteFile: schema ? null : path.join(dataDir, 'latchkey.db'),
    remove: async () => {
      rmSync(dataDir, { recursive: true, force: true });
      if (schema) await dropSchema(inject('postgresRunUrl'), schema);
    },
  };
}

/** `latchkey <args>` against the data; resolves with its exit code and output. */
export async function cli(data: ServerData, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: data.env, cwd: data.dataDir });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `latchkey init --json`: the owner's first token. */
export async function initServer(data: ServerData): Promise<string> {
  const result = await cli(data, ['init', '--org', 'Crash Test', '--email', 'owner@example.com', '--json']);
  if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
  return (JSON.parse(result.stdout) as { token: string }).token;
}

export class ServerProcess {
  url = '';
  readonly output: string[] = [];
  private child: ChildProcess | null = null;

  constructor(private readonly data: ServerData) {}

  /** Starts `latchkey serve --port 0` and waits for the line that says where it listens. */
  start(): Promise<this> {
    const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], { cwd: this.data.dataDir, env: this.data.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.url = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start:\n${this.output.join('')}`)), 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        if (!this.url) reject(new Error(`the server exited with ${code} before listening:\n${this.output.join('')}`));
      });
      child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString('utf8')));
      child.stdout!.on('data', (chunk: Buffer) => {
        this.output.push(chunk.toString('utf8'));
        const listening = this.url ? null : /Latchkey listening on (http:\/\/\S+)/.exec(this.output.join(''));
        if (listening) {
          clearTimeout(timer);
          this.url = listening[1]!;
          resolve(this);
        }
      });
    });
  }

  /** SIGKILL: no shutdown hook runs, nothing is flushed. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  async call(method: string, url: string, token: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url + url, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}
