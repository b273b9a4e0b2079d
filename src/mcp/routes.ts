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
import { Latchkey, type FetchLike } from '@latchkey/sdk';
import { createMcpServer } from './server.js';
import { LATCHKEY_VERSION } from './version.js';

export const MCP_PATH = '/mcp';

/**
 * The SDK's fetch, answered by `app` in-process as `request`'s caller: its
 * credential header, user agent, address and request id go with every call.
 */
export function inProcessFetch(app: FastifyInstance, request: FastifyRequest): FetchLike {
  const forwarded: Record<string, string> = {};
  for (const name of ['authorization', 'x-api-key', 'user-agent']) {
    const value = request.headers[name];
    if (typeof value === 'string') forwarded[name] = value;
  }
  forwarded['x-request-id'] = String(request.id);

  return async (input, init) => {
    const url = new URL(input);
    const headers: Record<string, string> = { ...Object.fromEntries(new Headers(init.headers)), ...forwarded };
    const body = init.body;
    const res = await app.inject({
      method: (init.method ?? 'GET') as InjectOptions['method'],
      url: url.pathname + url.search,
      headers,
      payload: body instanceof ArrayBuffer ? Buffer.from(body) : typeof body === 'string' ? body : undefined,
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
  app.post(MCP_PATH, { schema: { hide: true } }, async (request, reply) => {
    // MCP clients hold tokens. A dashboard cookie is not a credential here: a
    // browser sends it on its own, so accepting it would let any page drive the
    // tools. With tokens only, /mcp needs no Origin check against DNS rebinding.
    if (request.actor?.credential.type !== 'token') {
      throw new AppError('unauthorized', 'Send a token (Authorization: Bearer or X-API-Key) to use the MCP server', {
        headers: { 'WWW-Authenticate': 'Bearer realm="latchkey"' },
      });
    }
    // No token of its own, and no retries: the caller's credential rides on every
    // call, and a 429 goes back to the assistant at once rather than holding /mcp.
    const client = new Latchkey({ baseUrl: 'http://latchkey.in-process', fetch: inProcessFetch(app, request), maxRetries: 0 });
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
