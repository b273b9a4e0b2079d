// `latchkey mcp`: the MCP server over stdio, for desktop assistants. It is a
// client of a Latchkey server (the CLI's profile, or LATCHKEY_URL +
// LATCHKEY_TOKEN): each tool is an API call with that token. stdout carries
// only MCP messages; anything said to a person goes to stderr. Returns when the
// assistant closes stdin.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Latchkey } from '@latchkey/sdk';
import { resolveConnection } from '../mcp/profile.js';
import { createMcpServer } from '../mcp/server.js';
import { LATCHKEY_VERSION } from '../mcp/version.js';

export async function mcpCommand(opts: { profile?: string }): Promise<number> {
  const connection = resolveConnection(process.env, opts.profile);
  if ('error' in connection) {
    process.stderr.write(`latchkey mcp: ${connection.error}\n`);
    return 1;
  }
  const userAgent = `latchkey-mcp/${LATCHKEY_VERSION}`;
  const client = new Latchkey({
    baseUrl: connection.url,
    token: connection.token,
    // Says in the audit log that an assistant acted, through which server version.
    fetch: (input, init) => fetch(input, { ...init, headers: { ...Object.fromEntries(new Headers(init.headers)), 'user-agent': userAgent } }),
  });
  const server = createMcpServer(client, LATCHKEY_VERSION);
  const transport = new StdioServerTransport(process.stdin, process.stdout);
  const closed = new Promise<void>((resolve) => {
    process.stdin.once('end', resolve);
    process.stdin.once('close', resolve);
    transport.onclose = () => resolve();
  });
  // An assistant that went away mid-answer closes our stdout: nothing left to tell it.
  process.stdout.on('error', () => undefined);
  await server.connect(transport);
  process.stderr.write(`latchkey mcp: serving ${connection.url} with ${connection.source} over stdio\n`);
  await closed;
  await server.close();
  return 0;
}
