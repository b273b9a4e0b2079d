// Two real `latchkey serve` processes on one PostgreSQL database (SPEC §8): a
// revocation, suspension or roll made through node A is refused by node B within
// a second, even though B has just verified (and may have cached) the credential.
// PostgreSQL project only: separate processes cannot share a SQLite test app.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI, ensureBuilt } from '../build.js';
import { createDatabase, dropDatabase } from '../postgres.js';

const BOUND_MS = 1_000;
const POLL_MS = 20;

interface Node {
  name: string;
  url: string;
  child: ChildProcess;
  output: string[];
}

interface Reply {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

const baseUrl = inject('postgresBaseUrl');
const nodes: Node[] = [];
const dirs: string[] = [];
let databaseUrl = '';
let env: NodeJS.ProcessEnv = {};
let ownerToken = '';
let nodeA: Node;
let nodeB: Node;

function nodeEnv(): NodeJS.ProcessEnv {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-node-'));
  dirs.push(dataDir);
  return { ...env, LATCHKEY_DATA_DIR: dataDir };
}

/** Starts `latchkey serve --port 0` and waits for the line that says where it listens. */
function startNode(name: string): Promise<Node> {
  const nodeEnvironment = nodeEnv();
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0'], {
    cwd: nodeEnvironment.LATCHKEY_DATA_DIR,
    env: nodeEnvironment,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const node: Node = { name, url: '', child, output };
  nodes.push(node);
  return new Promise<Node>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join('')}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!node.url) reject(new Error(`${name} exited with ${code} before listening:\n${output.join('')}`));
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    child.stdout.on('data', (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      const listening = node.url ? null : /Latchkey listening on (http:\/\/\S+)/.exec(output.join(''));
      if (listening) {
        clearTimeout(timer);
        node.url = listening[1]!;
        resolve(node);
      }
    });
  });
}

async function stopNode(node: Node): Promise<void> {
  if (node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => node.child.once('exit', () => resolve()));
  node.child.kill('SIGTERM');
  const timer = setTimeout(() => node.child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

async function call(
  node: Node,
  method: string,
  url: string,
  options: { token?: string; body?: unknown; session?: { cookie: string; csrfToken: string } } = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.session) {
    headers.cookie = options.session.cookie;
    headers['x-csrf-token'] = options.session.csrfToken;
  }
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(node.url + url, { method, headers, body: options.body === undefined ? null : JSON.stringify(options.body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: res.headers };
}

/** Whether `node` turns `token` away both as a bearer credential and through POST /v1/verify. */
async function refuses(node: Node, token: string): Promise<boolean> {
  const me = await call(node, 'GET', '/v1/me', { token });
  const verified = await call(node, 'POST', '/v1/verify', { token: ownerToken, body: { token } });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  // Half refused (one path still serving the old state) is not refused.
  return me.status === 401 && verified.body.valid === false;
}

async function accepts(node: Node, token: string): Promise<boolean> {
  const me = await call(node, 'GET', '/v1/me', { token });
  const verified = await call(node, 'POST', '/v1/verify', { token: ownerToken, body: { token } });
  return me.status === 200 && verified.status === 200 && verified.body.valid === true;
}

/** Polls every POLL_MS for at most BOUND_MS; true once `node` refuses `token`. */
async function refusedWithinBound(node: Node, token: string): Promise<boolean> {
  const deadline = Date.now() + BOUND_MS;
  for (;;) {
    if (await refuses(node, token)) return true;
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
}

/** Uses the token on both nodes a few times so each may have it cached. */
async function warm(token: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    expect(await accepts(nodeA, token)).toBe(true);
    expect(await accepts(nodeB, token)).toBe(true);
  }
}

async function mint(name: string): Promise<{ id: string; token: string }> {
  const minted = await call(nodeA, 'POST', '/v1/api-tokens', { token: ownerToken, body: { name } });
  expect(minted.status, JSON.stringify(minted.body)).toBe(201);
  return { id: minted.body.id as string, token: minted.body.token as string };
}

beforeAll(async () => {
  await ensureBuilt();
  databaseUrl = await createDatabase(baseUrl, 'multinode');
  // Stateless nodes: their own data directories, one database, one pepper.
  const { LATCHKEY_CONFIG: _config, LATCHKEY_DATA_DIR: _dataDir, ...inherited } = process.env;
  env = { ...inherited, LATCHKEY_DATABASE_URL: databaseUrl, LATCHKEY_PEPPER: randomBytes(32).toString('hex') };
  const initEnv = nodeEnv();
  const init = await promisify(execFile)(process.execPath, [CLI, 'init', '--org', 'Two Nodes', '--email', 'owner@example.com', '--json'], {
    cwd: initEnv.LATCHKEY_DATA_DIR,
    env: initEnv,
  });
  ownerToken = (JSON.parse(init.stdout) as { token: string }).token;
  [nodeA, nodeB] = await Promise.all([startNode('node A'), startNode('node B')]);
});

afterAll(async () => {
  await Promise.all(nodes.map(stopNode));
  if (databaseUrl) await dropDatabase(baseUrl, databaseUrl);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('two nodes on one PostgreSQL database', () => {
  it('both nodes serve the same org', async () => {
    const [a, b] = await Promise.all([call(nodeA, 'GET', '/v1/me', { token: ownerToken }), call(nodeB, 'GET', '/v1/me', { token: ownerToken })]);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
  });

  it('a token revoked through node A is refused by node B within a second', async () => {
    const { id, token } = await mint('revoked on A');
    await warm(token);

    const revoked = await call(nodeA, 'DELETE', `/v1/api-tokens/${id}`, { token: ownerToken });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    // The node that made the change refuses it before it answered.
    expect(await refuses(nodeA, token)).toBe(true);
    expect(await refusedWithinBound(nodeB, token)).toBe(true);
    // And stays refused (no cache brings the old state back).
    await sleep(100);
    expect(await refuses(nodeB, token)).toBe(true);
  });

  it("a user suspended through node A has their token refused by node B within a second", async () => {
    const email = `member-${randomBytes(4).toString('hex')}@example.com`;
    const invited = await call(nodeA, 'POST', '/v1/members', { token: ownerToken, body: { email, role: 'member' } });
    expect(invited.status, JSON.stringify(invited.body)).toBe(201);
    const accepted = await call(nodeA, 'POST', '/v1/auth/accept-invite', {
      body: { inviteToken: invited.body.inviteToken, password: 'correct horse battery staple', name: 'Member' },
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    const cookie = /latchkey_session=[^;]+/.exec(accepted.headers.get('set-cookie') ?? '')![0];
    const session = { cookie, csrfToken: accepted.body.csrfToken as string };
    const userId = (accepted.body.user as { id: string }).id;
    const minted = await call(nodeA, 'POST', '/v1/api-tokens', { session, body: { name: 'member token' } });
    expect(minted.status, JSON.stringify(minted.body)).toBe(201);
    const token = minted.body.token as string;
    await warm(token);

    const suspended = await call(nodeA, 'PATCH', `/v1/members/${userId}`, { token: ownerToken, body: { status: 'suspended' } });
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    expect(await refuses(nodeA, token)).toBe(true);
    expect(await refusedWithinBound(nodeB, token)).toBe(true);
    await sleep(100);
    expect(await refuses(nodeB, token)).toBe(true);
  });

  it('a token rolled through node A has its old value refused by node B within a second', async () => {
    const { id, token } = await mint('rolled on A');
    await warm(token);

    const rolled = await call(nodeA, 'POST', `/v1/api-tokens/${id}/roll`, { token: ownerToken, body: {} });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(200);
    const newToken = rolled.body.token as string;
    expect(newToken).not.toBe(token);
    expect(await refuses(nodeA, token)).toBe(true);
    expect(await refusedWithinBound(nodeB, token)).toBe(true);
    await sleep(100);
    expect(await refuses(nodeB, token)).toBe(true);
    // Presenting the rolled-away value after the roll is reuse (SPEC §10): the token
    // is revoked, its new value too, and both nodes refuse it.
    expect(await refuses(nodeA, newToken)).toBe(true);
    expect(await refusedWithinBound(nodeB, newToken)).toBe(true);
  });
});
