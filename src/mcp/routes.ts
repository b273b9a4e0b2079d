// /mcp: the MCP server over Streamable HTTP, on the API server itself.
//
// Stateless (a fresh MCP server per POST, JSON responses, no session): any node
// of a multi-node deployment can answer any request, and nothing is kept in
// memory between calls. The caller's token is checked by the same onRequest
// hook as every API route (no token → 401 with WWW-Authenticate). The tools
// then run over a Latchkey client whose fetch dispatches each API call
// in-process into this same app (app.inject) with the caller's credential,
// address, user agent and request id: permission rules, audit events (the token
// as actor, this request's id) and rate limits are the HTTP API's, by the same
// code path, not a copy of it.
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest, InjectOptions } from 'fastify';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { AppError } from '../errors.js';
import { createClient } from './client.js';
import { createMcpServer } from './server.js';
import { LATCHKEY_VERSION } from './version.js';

export const MCP_PATH = '/mcp';

/** A fetch that answers from `app` in-process, as `request`'s caller. */
export function inProcessFetch(app: FastifyInstance, request: FastifyRequest): typeof fetch {
  const forwarded: Record<string, string> = {};
  for (const name of ['authorization', 'x-api-key', 'user-agent']) {
    const value = request.headers[name];
    if (typeof value === 'string') forwarded[name] = value;
  }
  forwarded['x-request-id'] = String(request.id);

  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    headers.delete('authorization');
    const all: Record<string, string> = Object.fromEntries(headers);
    Object.assign(all, forwarded);
    const res = await app.inject({
      method: (init?.method ?? 'GET') as InjectOptions['method'],
      url: url.pathname + url.search,
      headers: all,
      payload: typeof init?.body === 'string' ? init.body : undefined,
      remoteAddress: request.ip,
    });
    const out = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) out.append(name, String(v));
    }
    return new Response(res.statusCode === 204 ? null : res.body, { status: res.statusCode, headers: out });
  };
}

export const mcpRoutes: FastifyPluginAsync = async (app) => {
  const root = app;
  app.post(MCP_PATH, { schema: { hide: true } }, async (request, reply) => {
    // MCP clients hold tokens; a dashboard cookie is not a credential here.
    if (request.actor?.credential.type !== 'token') {
      throw new AppError('unauthorized', 'Send a token (Authorization: Bearer or X-API-Key) to use the MCP server', {
        headers: { 'WWW-Authenticate': 'Bearer realm="latchkey"' },
      });
    }
    const client = createClient({ baseUrl: 'http://latchkey.internal', token: 'in-process', fetch: inProcessFetch(root, request) });
    const server = createMcpServer(client, LATCHKEY_VERSION);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      const headers = new Headers();
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
      const webRequest = new Request(`http://${request.host}${request.url}`, { method: 'POST', headers });
      const response = await transport.handleRequest(webRequest, { parsedBody: request.body });
      reply.code(response.status);
      response.headers.forEach((value, name) => void reply.header(name, value));
      return reply.send(await response.text());
    } finally {
      await server.close();
    }
  });

  // Stateless: there is no server-to-client stream to open (GET) nor a session to end (DELETE).
  const notAllowed = async () => {
    throw new AppError('method_not_allowed', 'The MCP endpoint is stateless: send JSON-RPC messages with POST', { headers: { Allow: 'POST' } });
  };
  app.get(MCP_PATH, { schema: { hide: true } }, notAllowed);
  app.delete(MCP_PATH, { schema: { hide: true } }, notAllowed);
};
