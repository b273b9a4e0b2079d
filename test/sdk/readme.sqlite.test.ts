// The README's "Verify tokens in your API" examples, run as written with plain
// Node against the built SDK and a real Latchkey: each serves /issues to a good
// token and refuses a request without one. (Database-independent: SQLite only.)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from '../build.js';
import { createTestOrg, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from './server.js';

let t: ListeningApp;
let org: TestOrg;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  await ensureBuilt();
  t = await listeningApp();
  org = await createTestOrg(t);
  // Under the root's node_modules, so '@latchkey/sdk', fastify and express resolve as in an app.
  mkdirSync(path.join(ROOT, 'node_modules', '.cache'), { recursive: true });
  dir = mkdtempSync(path.join(ROOT, 'node_modules', '.cache', 'readme-'));
}, 300_000);
afterAll(async () => {
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
  await t?.close();
});

function examples(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('## Verify tokens in your API')[1]!.split('\n## ')[0]!;
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function run(name: string, code: string): Promise<string> {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, code);
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [file], { env: { ...process.env, LATCHKEY_URL: t.baseUrl, LATCHKEY_TOKEN: org.token, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(url);
      return url;
    } catch {
      if (child.exitCode !== null || i > 400) throw new Error(`${name} did not start: ${output.join('')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('README: Verify tokens in your API', () => {
  it('has a Fastify and an Express example of about ten lines', () => {
    const [fastify, express] = examples();
    expect(fastify).toContain("from '@latchkey/sdk/fastify'");
    expect(express).toContain("from '@latchkey/sdk/express'");
    for (const code of [fastify!, express!]) expect(code.trim().split('\n').length).toBeLessThanOrEqual(11);
  });

  it.each([0, 1])('example %i runs as written: 200 with a token, 401 without', async (index) => {
    const url = await run(`example-${index}`, examples()[index]!);
    const ok = await fetch(`${url}/issues`, { headers: { authorization: `Bearer ${org.token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ issues: [], for: expect.any(String) });
    const refused = await fetch(`${url}/issues`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });
});
