// An MCP server with every tool of tools.ts, over a given Latchkey client. The
// same factory serves stdio (`latchkey mcp`, a client of a remote server) and
// /mcp on the server (a client whose requests are dispatched in-process).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LatchkeyError, type Latchkey } from '@latchkey/sdk';
import { SHOWN_ONCE_NOTE, TOOLS, type Json, type ToolSpec } from './tools.js';

export const SERVER_NAME = 'latchkey';

const INSTRUCTIONS =
  'Latchkey manages access tokens: personal tokens, service accounts and their tokens, teams and team tokens, org API keys, and the audit log. ' +
  'Every tool acts with the token this connection was opened with and can do exactly what that token may do over the HTTP API; call whoami to see its scopes. ' +
  'A refused call returns isError with the API error code (forbidden, not_found, name_taken, …) and its detail. ' +
  'Tools that mint or roll a token return its plaintext once: pass it on to the user and do not repeat it.';

/** A refused call as a tool result: the API's code and detail, for the assistant to act on. */
export function problemResult(problem: LatchkeyError): CallToolResult {
  const fields = problem.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  const status = problem.status ? `HTTP ${problem.status}` : 'no response';
  const text = `${problem.code} (${status}): ${problem.detail}${fields ? ` [${fields}]` : ''}${problem.requestId ? ` (request ${problem.requestId})` : ''}`;
  return { isError: true, content: [{ type: 'text', text }] };
}

async function runTool(spec: ToolSpec, client: Latchkey, args: Record<string, unknown>): Promise<CallToolResult> {
  let result: Json;
  try {
    result = await spec.run(client, args);
  } catch (error) {
    // Refused by the server (or it could not be reached): the assistant gets the code and detail to act on.
    if (error instanceof LatchkeyError) return problemResult(error);
    throw error;
  }
  const json = JSON.stringify(result, null, 2);
  return {
    content: [{ type: 'text', text: spec.mints ? `${SHOWN_ONCE_NOTE}\n\n${json}` : json }],
    structuredContent: result,
  };
}

export function createMcpServer(client: Latchkey, version: string): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version }, { instructions: INSTRUCTIONS, capabilities: { tools: { listChanged: false } } });
  for (const spec of TOOLS) {
    server.registerTool(
      spec.name,
      { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: { title: spec.title, ...spec.annotations } },
      (args: Record<string, unknown>) => runTool(spec, client, args),
    );
  }
  return server;
}
