// A server for the benchmark, run as a child process so the load generator does
// not share its event loop: a bare Fastify route (the HTTP ceiling), a full
// Latchkey app, or a hello-world route with or without the SDK's middleware.
// Reports its port to the parent over IPC; stops on SIGTERM.
import Fastify, { type FastifyInstance } from 'fastify';
import { Latchkey } from '@latchkey/sdk';
import { latchkey } from '@latchkey/sdk/fastify';
import type { TokenCacheOptions } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { benchConfig } from './seed.js';

export type ServerSpec =
  | { mode: 'bare' }
  /** A hello-world GET route, optionally behind @latchkey/sdk/fastify with a verifier on `latchkey.url`. */
  | { mode: 'hello'; latchkey?: { url: string; token: string; scope: string } }
  | { mode: 'latchkey'; dataDir: string; databaseUrl: string; pepperHex: string; tokenCache?: Partial<TokenCacheOptions> };

async function start(spec: ServerSpec): Promise<FastifyInstance> {
  if (spec.mode === 'bare') {
    const app = Fastify({ logger: false });
    app.post('/echo', async (request) => ({ ok: true, received: request.body }));
    return app;
  }
  if (spec.mode === 'hello') {
    const app = Fastify({ logger: false });
    if (spec.latchkey) {
      const verifier = new Latchkey({ baseUrl: spec.latchkey.url, token: spec.latchkey.token }).verifier({ cacheTtlMs: 3_600_000 });
      await verifier.ready();
      await app.register(latchkey, { verifier, scope: spec.latchkey.scope });
      app.addHook('onClose', () => verifier.close());
    }
    app.get('/hello', async () => ({ hello: 'world' }));
    return app;
  }
  const config = benchConfig(spec.dataDir, spec.databaseUrl, spec.tokenCache);
  // Errors only: per-request log lines would measure pino, not verification.
  const { app } = await buildApp({ config, pepper: Buffer.from(spec.pepperHex, 'hex'), logStream: process.stderr, logLevel: 'error' });
  return app;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ServerSpec;
const app = await start(spec);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
// CPU time used so far (µs), so the parent can work out CPU per request: a
// measure that, unlike throughput, does not depend on what else the machine runs.
process.on('message', (message) => {
  if (message === 'cpu') {
    const usage = process.cpuUsage();
    process.send?.({ cpu: usage.user + usage.system });
  }
});
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
