// `latchkey serve` (and `start`, which initialises an empty data directory first).
import { buildApp } from '../http/app.js';
import { randomBase62 } from '../random.js';
import { initialize } from '../orgs/bootstrap.js';
import { hasOrg, openRuntime, type GlobalOptions } from './runtime.js';

export interface ServeOptions extends GlobalOptions {
  port?: string;
  host?: string;
}

const DEFAULT_PORT = 8080;

export async function serveCommand(options: ServeOptions, banner: string[] = []): Promise<number> {
  const runtime = await openRuntime(options, { createPepper: true });
  const port = Number(options.port ?? process.env.PORT ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`latchkey serve: invalid port ${options.port ?? process.env.PORT}\n`);
    await runtime.close();
    return 2;
  }
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const { app } = await buildApp({ config: runtime.config, pepper: runtime.pepper, database: runtime.handle, logLevel: process.env.LATCHKEY_LOG_LEVEL ?? 'info' });
  const address = await app.listen({ port, host });

  // The handlers go in before the URL is printed: whoever waits for that line may
  // signal at once, and a signal with no handler kills us without flushing.
  const stopped = new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down');
      // close() lets in-flight requests finish and flushes buffered last-use writes.
      app
        .close()
        .then(() => runtime.close())
        .then(() => resolve(0))
        .catch((error: unknown) => {
          process.stderr.write(`latchkey serve: shutdown failed: ${(error as Error).message}\n`);
          resolve(1);
        });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  process.stdout.write([...banner, `Latchkey listening on ${address}`, `Dashboard: ${address}/ (sign in with your email and password)`, ''].join('\n'));
  return stopped;
}

/** `npm start`: initialise an empty data directory with an owner who can sign in, then serve. */
export async function startCommand(options: ServeOptions): Promise<number> {
  const runtime = await openRuntime(options, { createPepper: true });
  const banner: string[] = [];
  try {
    if (!(await hasOrg(runtime))) {
      const email = process.env.LATCHKEY_OWNER_EMAIL ?? 'owner@example.com';
      const password = randomBase62(20);
      const result = await initialize(runtime.deps, { orgName: process.env.LATCHKEY_ORG_NAME ?? 'My Organization', email, password });
      banner.push(
        `Initialised a new Latchkey in ${runtime.config.dataDir}`,
        `  dashboard:   http://127.0.0.1:${options.port ?? process.env.PORT ?? DEFAULT_PORT}/  sign in with ${email} and password ${password}`,
        `  first token: ${result.token}`,
        '  Both are shown once. The token is stored only as a hash; copy it now.',
        `  try:         curl -H "Authorization: Bearer ${result.token}" http://127.0.0.1:${options.port ?? process.env.PORT ?? DEFAULT_PORT}/v1/me`,
        '',
      );
    } else {
      banner.push(`Using the existing Latchkey in ${runtime.config.dataDir} (sign in with your owner account or a token)`);
    }
  } finally {
    await runtime.close();
  }
  return serveCommand(options, banner);
}
