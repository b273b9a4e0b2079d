// `latchkey mcp` as an assistant runs it: the real binary spawned by the official
// MCP SDK's StdioClientTransport, talking to a real listening server. SQLite only:
// it tests the command and the transport; the tools' behaviour on each database is
// covered through /mcp (http.test.ts), which runs the same tool table.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ensureBuilt } from '../build.js';
import { createTestApp, createTestOrg, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;
let baseUrl: string;
const home = mkdtempSync(path.join(tmpdir(), 'latchkey-mcp-'));
const clients: Client[] = [];

/** A shell's environment without any Latchkey setting, plus `extra`. */
function env(extra: Record<string, string>): Record<string, string> {
  const clean = Object.entries(process.env).filter(([key, value]) => !key.startsWith('LATCHKEY_') && key !== 'XDG_CONFIG_HOME' && value !== undefined);
  return { ...(Object.fromEntries(clean) as Record<string, string>), HOME: home, XDG_CONFIG_HOME: path.join(home, 'empty-config'), ...extra };
}

async function connect(extraEnv: Record<string, string>, args: string[] = []): Promise<{ client: Client; stderr: () => string }> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp', ...args], env: env(extraEnv), stderr: 'pipe' });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'latchkey-stdio-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, stderr: () => stderr };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

function text(res: CallToolResult): string {
  return res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** Runs `latchkey mcp` by hand: sends `lines` on stdin, then closes it. */
function runRaw(extraEnv: Record<string, string>, lines: object[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, 'mcp'], { env: env(extraEnv) });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // Each request is answered before the next is sent, then stdin closes.
    const pending = [...lines];
    const sendNext = () => {
      const next = pending.shift();
      if (next) child.stdin.write(JSON.stringify(next) + '\n');
      else child.stdin.end();
    };
    let answered = 0;
    child.stdout.on('data', () => {
      const count = stdout.split('\n').filter(Boolean).length;
      if (count > answered) {
        answered = count;
        sendNext();
      }
    });
    sendNext();
  });
}

beforeAll(async () => {
  await ensureBuilt();
  t = await createTestApp();
  org = await createTestOrg(t);
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  for (const client of clients) await client.close();
  await t.close();
  rmSync(home, { recursive: true, force: true });
});

describe('latchkey mcp over stdio', () => {
  it('serves the same tools as /mcp, acting with LATCHKEY_URL + LATCHKEY_TOKEN through the API', async () => {
    const { client, stderr } = await connect({ LATCHKEY_URL: baseUrl, LATCHKEY_TOKEN: org.token });
    const tools = (await client.listTools()).tools;
    expect(tools).toHaveLength(17);
    expect(tools.find((tool) => tool.name === 'revoke_token')!.annotations).toMatchObject({ destructiveHint: true });

    const me = (await call(client, 'whoami')).structuredContent;
    expect(me).toEqual((await request(t, { method: 'GET', url: '/v1/me', token: org.token })).json());

    const minted = await call(client, 'create_token', { name: 'over stdio', scopes: ['teams:read'] });
    expect(text(minted)).toMatch(/shown only in this result/);
    const secret = (minted.structuredContent as { token: string; id: string }).token;
    expect((await request(t, { method: 'GET', url: '/v1/me', token: secret })).json().scopes).toEqual(['teams:read']);

    // The audit log names the token that acted, and the assistant's connection.
    const events = (await request(t, { method: 'GET', url: `/v1/audit-events?action=token.minted&target=${(minted.structuredContent as { id: string }).id}`, token: org.token })).json().data;
    expect(events[0]).toMatchObject({ actor: { type: 'token', id: org.tokenId }, userAgent: expect.stringMatching(/^latchkey-mcp\//) });

    // Said to a person on stderr, never the token.
    expect(stderr()).toContain('latchkey mcp: serving');
    expect(stderr()).not.toContain(org.token);
  });

  it('a narrow token gets isError results carrying the API code, and can still read', async () => {
    const narrow = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name: 'stdio narrow', scopes: ['teams:read'] } })).json();
    const { client } = await connect({ LATCHKEY_URL: baseUrl, LATCHKEY_TOKEN: narrow.token });
    const res = await call(client, 'create_team', { name: 'nope' });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/^forbidden \(HTTP 403\): /);
    expect((await call(client, 'list_teams')).isError).toBeFalsy();
    const malformed = await call(client, 'create_team', { name: '' });
    expect(malformed.isError).toBe(true);
    expect(text(malformed)).toMatch(/Input validation error.*\bname\b/);
  });

  it("uses the CLI's credentials file, the profile --profile names", async () => {
    const other = await createTestOrg(t, 'Second');
    const config = path.join(home, 'config');
    mkdirSync(path.join(config, 'latchkey'), { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(config, 'latchkey', 'credentials.json'),
      JSON.stringify({ current: 'work', profiles: { work: { url: baseUrl, token: org.token }, side: { url: baseUrl, token: other.token } } }),
      { mode: 0o600 },
    );
    const named = await connect({ XDG_CONFIG_HOME: config }, ['--profile', 'side']);
    expect(((await call(named.client, 'whoami')).structuredContent as { org: { id: string } }).org.id).toBe(other.orgId);
  });

  it('without credentials says how to log in on stderr and exits 1, writing nothing on stdout', async () => {
    const res = await runRaw({}, []);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/latchkey login --url URL.*LATCHKEY_URL and LATCHKEY_TOKEN/);
  });

  it('writes only JSON-RPC on stdout and exits 0 when stdin closes', async () => {
    const res = await runRaw({ LATCHKEY_URL: baseUrl, LATCHKEY_TOKEN: org.token }, [
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    ]);
    expect(res.code).toBe(0);
    const messages = res.stdout.trim().split('\n').map((line) => JSON.parse(line) as { jsonrpc: string; id: number; result: Record<string, unknown> });
    expect(messages.map((m) => [m.jsonrpc, m.id])).toEqual([
      ['2.0', 1],
      ['2.0', 2],
    ]);
    expect(messages[0]!.result.serverInfo).toMatchObject({ name: 'latchkey' });
    expect(messages[1]!.result.structuredContent).toMatchObject({ credential: { id: org.tokenId } });
  });
});
