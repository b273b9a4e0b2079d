// /mcp through the official MCP SDK Client over StreamableHTTPClientTransport,
// against a real listening app: every tool's answer is checked against the HTTP
// API, refusals come back as isError results carrying the API's code, and tool
// calls leave the same audit trail as the API (the token as actor, the request id).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';

const SPEC_TOOLS = [
  'whoami',
  'list_scopes',
  'list_tokens',
  'create_token',
  'roll_token',
  'revoke_token',
  'list_org_tokens',
  'list_service_accounts',
  'create_service_account',
  'issue_service_account_token',
  'delete_service_account',
  'list_teams',
  'create_team',
  'issue_team_token',
  'list_members',
  'search_audit_events',
  'verify_token',
];

/** A tool's structuredContent, read as loosely as a response's json(). */
type Structured = ReturnType<typeof JSON.parse>;

let t: TestApp;
let org: TestOrg;
let baseUrl: string;
const clients: Client[] = [];

interface Connected {
  client: Client;
  /** The X-Request-Id of each /mcp POST's answer, with the JSON-RPC method it carried. */
  requestIds: { method: string; id: string }[];
}

async function connect(token: string, header: 'bearer' | 'x-api-key' = 'bearer'): Promise<Connected> {
  const requestIds: Connected['requestIds'] = [];
  const headers: Record<string, string> = header === 'bearer' ? { Authorization: `Bearer ${token}` } : { 'X-API-Key': token };
  headers['User-Agent'] = 'test-assistant/1.0';
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', baseUrl), {
    requestInit: { headers },
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      const id = res.headers.get('x-request-id');
      if (id && typeof init?.body === 'string') requestIds.push({ method: (JSON.parse(init.body) as { method: string }).method, id });
      return res;
    },
  });
  const client = new Client({ name: 'latchkey-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, requestIds };
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A successful call's structured result. */
async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const res = await call(client, name, args);
  expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
  return res.structuredContent as Structured;
}

function text(res: CallToolResult): string {
  return res.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

/** A refused call: isError, with the API's problem code first in its text. */
function refused(res: CallToolResult, code: string): string {
  expect(res.isError, JSON.stringify(res)).toBe(true);
  expect(res.structuredContent).toBeUndefined();
  const message = text(res);
  expect(message.startsWith(`${code} (HTTP `), message).toBe(true);
  return message;
}

async function http(method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: unknown) {
  return request(t, { method, url, token, ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }) });
}

let owner: Connected;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
  baseUrl = await t.app.listen({ port: 0, host: '127.0.0.1' });
  owner = await connect(org.token);
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await t.close();
});

describe('/mcp authentication', () => {
  it('answers 401 with WWW-Authenticate: Bearer without a credential, and with a bad one', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } };
    const headers = { accept: 'application/json, text/event-stream' };
    const none = await t.app.inject({ method: 'POST', url: '/mcp', headers, payload: initialize });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(none.json().code).toBe('unauthorized');

    const bad = await t.app.inject({ method: 'POST', url: '/mcp', headers: { ...headers, authorization: 'Bearer lk_pat_notarealtoken' }, payload: initialize });
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(bad.json().code).toBe('invalid_token');
  });

  it('refuses a dashboard session cookie: MCP clients use tokens', async () => {
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    const res = await request(t, {
      method: 'POST',
      url: '/mcp',
      session,
      headers: { accept: 'application/json, text/event-stream' },
      payload: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
  });

  it('the official client fails to connect without a token', async () => {
    const client = new Client({ name: 'anonymous', version: '1' });
    await expect(client.connect(new StreamableHTTPClientTransport(new URL('/mcp', baseUrl)))).rejects.toThrow();
  });

  it('is stateless: GET and DELETE answer 405 with Allow: POST', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await http(method, '/mcp', org.token);
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    }
  });

  it('accepts the token as X-API-Key too', async () => {
    const { client } = await connect(org.token, 'x-api-key');
    expect((await ok(client, 'whoami')).credential.id).toBe(org.tokenId);
  });
});

describe('tools/list', () => {
  let tools: Tool[];
  beforeAll(async () => {
    tools = (await owner.client.listTools()).tools;
  });

  it('has exactly the tools SPEC §7.6 names, and no billing or plan tool', () => {
    expect(tools.map((tool) => tool.name).sort()).toEqual([...SPEC_TOOLS].sort());
    for (const tool of tools) {
      expect(tool.name).not.toMatch(/billing|plan|(update|delete)_org/);
      expect(Object.keys(tool.inputSchema.properties ?? {})).not.toContain('plan');
    }
  });

  it('describes every tool with an input schema, an output schema and annotations', () => {
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(60);
      expect(tool.inputSchema.type).toBe('object');
      expect(tool.outputSchema?.type, tool.name).toBe('object');
      expect(tool.annotations, tool.name).toBeDefined();
    }
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    for (const name of SPEC_TOOLS.filter((n) => n.startsWith('list_') || ['whoami', 'search_audit_events', 'verify_token'].includes(n))) {
      expect(byName[name]!.annotations!.readOnlyHint, name).toBe(true);
    }
    for (const name of ['roll_token', 'revoke_token', 'delete_service_account']) {
      expect(byName[name]!.annotations!.destructiveHint, name).toBe(true);
      expect(byName[name]!.annotations!.readOnlyHint, name).toBe(false);
    }
    for (const name of ['create_token', 'create_service_account', 'issue_service_account_token', 'create_team', 'issue_team_token']) {
      expect(byName[name]!.annotations, name).toMatchObject({ readOnlyHint: false, destructiveHint: false, idempotentHint: false });
    }
    expect(byName.revoke_token!.annotations!.idempotentHint).toBe(true);
    expect(byName.create_token!.inputSchema.required).toEqual(['name']);
    expect(Object.keys(byName.list_org_tokens!.inputSchema.properties!)).toEqual(expect.arrayContaining(['limit', 'cursor', 'kind', 'status', 'owner', 'team']));
  });
});

describe('tools against the HTTP API', () => {
  it('whoami and list_scopes answer what /v1/me and /v1/api-tokens/scopes answer', async () => {
    expect(await ok(owner.client, 'whoami')).toEqual((await http('GET', '/v1/me', org.token)).json());
    expect(await ok(owner.client, 'list_scopes')).toEqual((await http('GET', '/v1/api-tokens/scopes', org.token)).json());
  });

  it('create_token mints a working token, shown once and said so; list_tokens lists it without its secret', async () => {
    const res = await call(owner.client, 'create_token', { name: 'from mcp', scopes: ['tokens:read'], expiresIn: '30d' });
    expect(res.isError).toBeFalsy();
    const minted = res.structuredContent as Structured;
    expect(minted.token).toMatch(/^lk_pat_/);
    expect(text(res)).toMatch(/shown only in this result/);
    expect(minted.expiresAt).not.toBeNull();
    // The new token works over HTTP and is what the API says it is.
    const me = (await http('GET', '/v1/me', minted.token)).json();
    expect(me.credential.id).toBe(minted.id);
    expect(me.scopes).toEqual(['tokens:read']);
    const { token: _secret, ...view } = minted;
    expect((await http('GET', `/v1/api-tokens/${minted.id}`, org.token)).json()).toEqual(view);

    const listed = await ok(owner.client, 'list_tokens', { status: 'active' });
    expect(listed).toEqual((await http('GET', '/v1/api-tokens?status=active', org.token)).json());
    expect(listed.data.map((tok: { id: string }) => tok.id)).toContain(minted.id);
    expect(JSON.stringify(listed)).not.toContain(minted.token);
  });

  it('roll_token gives a new secret once; the old one stops working', async () => {
    const minted = await ok(owner.client, 'create_token', { name: 'to roll' });
    const res = await call(owner.client, 'roll_token', { id: minted.id });
    const rolled = res.structuredContent as Structured;
    expect(text(res)).toMatch(/shown only in this result/);
    expect(rolled.id).toBe(minted.id);
    expect(rolled.token).not.toBe(minted.token);
    expect((await http('GET', '/v1/me', rolled.token)).statusCode).toBe(200);
    expect((await http('GET', '/v1/me', minted.token)).statusCode).toBe(401);
  });

  it('revoke_token revokes at once; orgWide reaches another member\'s token', async () => {
    const minted = await ok(owner.client, 'create_token', { name: 'to revoke' });
    const revoked = await ok(owner.client, 'revoke_token', { id: minted.id });
    expect(revoked.status).toBe('revoked');
    expect((await http('GET', '/v1/me', minted.token)).statusCode).toBe(401);

    const member = await addMember(t, org, 'member');
    // Not the owner's own token: the self-service path does not find it, the org-wide one does.
    refused(await call(owner.client, 'revoke_token', { id: member.tokenId }), 'not_found');
    expect((await ok(owner.client, 'revoke_token', { id: member.tokenId, orgWide: true })).status).toBe('revoked');
    expect((await http('GET', '/v1/me', member.token)).statusCode).toBe(401);
  });

  it('list_org_tokens filters and pages with a cursor like GET /v1/tokens', async () => {
    const first = await ok(owner.client, 'list_org_tokens', { kind: 'personal', limit: 1 });
    expect(first).toEqual((await http('GET', '/v1/tokens?kind=personal&limit=1', org.token)).json());
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await ok(owner.client, 'list_org_tokens', { kind: 'personal', limit: 1, cursor: first.nextCursor });
    expect(second).toEqual((await http('GET', `/v1/tokens?kind=personal&limit=1&cursor=${encodeURIComponent(first.nextCursor)}`, org.token)).json());
    expect(second.data[0].id).not.toBe(first.data[0].id);
  });

  it('service accounts: create, issue a token (verified by verify_token), list, delete revoking its tokens', async () => {
    const account = await ok(owner.client, 'create_service_account', { name: 'deployer', scopes: ['issues:read', 'issues:write'] });
    expect(account).toEqual((await http('GET', `/v1/service-accounts/${account.id}`, org.token)).json());
    const res = await call(owner.client, 'issue_service_account_token', { serviceAccountId: account.id, name: 'pipeline', scopes: ['issues:read'], expiresIn: '90d' });
    expect(text(res)).toMatch(/shown only in this result/);
    const issued = res.structuredContent as Structured;
    expect(issued).toMatchObject({ kind: 'service', scopes: ['issues:read'] });

    const verified = await ok(owner.client, 'verify_token', { token: issued.token, scope: 'issues:read' });
    expect(verified).toMatchObject({ valid: true, allowed: true, code: 'VALID', token: { id: issued.id } });
    expect(JSON.stringify(verified)).not.toContain(issued.token);
    expect(await ok(owner.client, 'verify_token', { token: issued.token, scope: 'issues:write' })).toMatchObject({ valid: true, allowed: false, code: 'FORBIDDEN' });

    expect(await ok(owner.client, 'list_service_accounts')).toEqual((await http('GET', '/v1/service-accounts', org.token)).json());
    expect(await ok(owner.client, 'delete_service_account', { serviceAccountId: account.id })).toMatchObject({ deleted: true, revokedTokens: 1 });
    expect(await ok(owner.client, 'verify_token', { token: issued.token })).toMatchObject({ valid: false, code: 'REVOKED' });
  });

  it('teams: create, issue a team token, list', async () => {
    const team = await ok(owner.client, 'create_team', { name: 'platform' });
    expect(team).toEqual((await http('GET', `/v1/teams/${team.id}`, org.token)).json());
    const issued = await ok(owner.client, 'issue_team_token', { teamId: team.id, name: 'ci', scopes: ['issues:read'] });
    expect(issued.token).toMatch(/^lk_sat_/);
    expect(issued.grants).toEqual([{ team: team.id, scopes: ['issues:read'], resources: null }]);
    expect((await http('GET', `/v1/teams/${team.id}/tokens`, org.token)).json().data.map((tok: { id: string }) => tok.id)).toEqual([issued.id]);
    expect(await ok(owner.client, 'list_teams')).toEqual((await http('GET', '/v1/teams', org.token)).json());
  });

  it('list_members and search_audit_events answer what the API answers', async () => {
    expect(await ok(owner.client, 'list_members')).toEqual((await http('GET', '/v1/members', org.token)).json());
    const events = await ok(owner.client, 'search_audit_events', { action: 'token.*', limit: 5 });
    expect(events).toEqual((await http('GET', '/v1/audit-events?action=token.*&limit=5', org.token)).json());
  });
});

describe('audit trail of tool calls', () => {
  it('names the token as the actor, with the /mcp request id, IP and user agent', async () => {
    const connected = await connect(org.token);
    const team = await ok(connected.client, 'create_team', { name: 'audited' });
    const requestId = connected.requestIds.find((r) => r.method === 'tools/call')?.id;
    expect(requestId).toMatch(/^req_/);
    const events = (await http('GET', `/v1/audit-events?action=team.created&target=${team.id}`, org.token)).json().data;
    expect(events).toHaveLength(1);
    const me = (await http('GET', '/v1/me', org.token)).json();
    expect(events[0]).toMatchObject({
      actor: { type: 'token', id: org.tokenId, name: me.credential.name, prefix: me.credential.prefix },
      requestId,
      ip: '127.0.0.1',
      userAgent: 'test-assistant/1.0',
    });
  });
});

describe('secrets', () => {
  it('a minted plaintext and a verified token never reach the server log', async () => {
    const minted = await ok(owner.client, 'create_token', { name: 'not logged' });
    await ok(owner.client, 'verify_token', { token: minted.token });
    await ok(owner.client, 'roll_token', { id: minted.id });
    expect(t.log.text).toContain('/mcp');
    expect(t.log.text).not.toContain(minted.token);
    expect(t.log.text).not.toContain(org.token);
  });
});

describe('what a token may not do', () => {
  let narrow: Connected;
  let other: TestOrg;
  beforeAll(async () => {
    const minted = (await http('POST', '/v1/api-tokens', org.token, { name: 'read only', scopes: ['tokens:read', 'teams:read'] })).json();
    narrow = await connect(minted.token);
    other = await createTestOrg(t, 'Elsewhere');
  });

  it('a narrow token gets isError results with the API code, and can still read', async () => {
    refused(await call(narrow.client, 'create_team', { name: 'nope' }), 'forbidden');
    refused(await call(narrow.client, 'create_token', { name: 'wider' }), 'forbidden');
    refused(await call(narrow.client, 'create_service_account', { name: 'sa', scopes: ['issues:read'] }), 'forbidden');
    // Other people's tokens are administration (tokens:admin), not self-service.
    refused(await call(narrow.client, 'list_org_tokens'), 'forbidden');
    refused(await call(narrow.client, 'revoke_token', { id: org.tokenId, orgWide: true }), 'forbidden');
    expect((await ok(narrow.client, 'list_tokens')).data.length).toBeGreaterThan(0);
    expect(await ok(narrow.client, 'list_teams')).toEqual((await http('GET', '/v1/teams', org.token)).json());
  });

  it("another org's ids are not found", async () => {
    const account = (await http('POST', '/v1/service-accounts', other.token, { name: 'theirs', scopes: ['issues:read'] })).json();
    const team = (await http('POST', '/v1/teams', other.token, { name: 'theirs' })).json();
    refused(await call(owner.client, 'delete_service_account', { serviceAccountId: account.id }), 'not_found');
    refused(await call(owner.client, 'issue_service_account_token', { serviceAccountId: account.id, name: 'x' }), 'not_found');
    refused(await call(owner.client, 'issue_team_token', { teamId: team.id, name: 'x', scopes: ['issues:read'] }), 'not_found');
    refused(await call(owner.client, 'revoke_token', { id: other.tokenId, orgWide: true }), 'not_found');
    refused(await call(owner.client, 'roll_token', { id: other.tokenId, orgWide: true }), 'not_found');
    expect((await http('GET', `/v1/service-accounts/${account.id}`, other.token)).statusCode).toBe(200);
    expect((await http('GET', '/v1/me', other.token)).statusCode).toBe(200);
  });

  it('a malformed input is a validation error naming the field; the API\'s own checks name theirs', async () => {
    const res = await call(owner.client, 'create_token', { name: 42 });
    expect(res.isError).toBe(true);
    expect(text(res)).toMatch(/Input validation error/);
    expect(text(res)).toMatch(/\bname\b/);
    const badId = await call(owner.client, 'revoke_token', { id: 'not an id' });
    expect(badId.isError).toBe(true);
    expect(text(badId)).toMatch(/at id\b/);
    expect(refused(await call(owner.client, 'create_token', { name: 'x', scopes: ['nope:nope'] }), 'unknown_scope')).toMatch(/nope:nope|scopes/);
  });
});
