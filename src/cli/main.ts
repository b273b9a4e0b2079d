// The `latchkey` command line. Server-side modules (Fastify, the database
// drivers) are imported by the commands that need them, so a client command
// starts without loading the server.
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.js';
import type { InitOptions } from './init.js';
import type { ServeOptions } from './serve.js';
import { registerClientCommands } from './client.js';
import { listPresets } from '../presets.js';

function program(setCode: (code: number) => void): Command {
  const cli = new Command('latchkey').description('Self-hostable access-token service').exitOverride();

  cli
    .command('init')
    .description('Create the first org, its owner and a first token (printed once); refuses if an org exists')
    .requiredOption('--org <name>', 'organization name')
    .requiredOption('--email <email>', "the owner's email")
    .option('--password-stdin', "read the owner's password from standard input")
    .option('--data-dir <dir>', 'data directory (default $LATCHKEY_DATA_DIR or ./.latchkey)')
    .option('--json', 'print { org: { id }, user: { id }, token } as JSON')
    .option('--preset <name>', 'start from a preset (see `latchkey presets`); recorded in latchkey.config.json')
    .action(async (opts: InitOptions) => setCode(await (await import('./init.js')).initCommand(opts)));

  cli
    .command('presets')
    .description('List the presets, one line each')
    .option('--json', 'print [{ name, description }] as JSON')
    .action((opts: { json?: boolean }) => {
      const presets = listPresets();
      if (opts.json) {
        process.stdout.write(JSON.stringify(presets) + '\n');
      } else {
        const width = Math.max(...presets.map((p) => p.name.length));
        for (const p of presets) process.stdout.write(`${p.name.padEnd(width)}  ${p.description}\n`);
      }
      setCode(0);
    });

  cli
    .command('serve')
    .description('Serve the HTTP API')
    .option('--data-dir <dir>', 'data directory (default $LATCHKEY_DATA_DIR or ./.latchkey)')
    .option('--port <n>', 'port (default $PORT or 8080)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .action(async (opts: ServeOptions) => setCode(await (await import('./serve.js')).serveCommand(opts)));

  cli
    .command('start')
    .description('Initialise an empty data directory (printing how to sign in), then serve')
    .option('--data-dir <dir>', 'data directory')
    .option('--port <n>', 'port (default $PORT or 8080)')
    .option('--host <host>', 'interface to listen on (default 127.0.0.1)')
    .action(async (opts: ServeOptions) => setCode(await (await import('./serve.js')).startCommand(opts)));

  cli
    .command('migrate')
    .description('Apply database migrations')
    .option('--data-dir <dir>', 'data directory')
    .option('--json', 'print the applied migrations as JSON')
    .action(async (opts: { dataDir?: string; json?: boolean }) => {
      const { openRuntime } = await import('./runtime.js');
      const runtime = await openRuntime(opts, { createPepper: true });
      const applied = await runtime.deps.db.selectFrom('kysely_migration' as never).selectAll().execute();
      await runtime.close();
      const names = (applied as { name: string }[]).map((m) => m.name);
      process.stdout.write(opts.json ? JSON.stringify({ migrations: names }) + '\n' : `Database is at the latest schema (${names.length} migrations: ${names.join(', ')})\n`);
      setCode(0);
    });

  const audit = cli.command('audit').description('The audit log');
  audit
    .command('verify-chain')
    .description("Check every org's audit hash chain; reports the first broken link")
    .option('--data-dir <dir>', 'data directory')
    .option('--org <id>', 'only this org')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { dataDir?: string; org?: string; json?: boolean }) => {
      const { openRuntime } = await import('./runtime.js');
      const { verifyChains } = await import('../audit/service.js');
      const runtime = await openRuntime(opts, { createPepper: false });
      try {
        const result = await verifyChains(runtime.deps.db, runtime.deps.hasher, opts.org);
        if (opts.json) {
          process.stdout.write(JSON.stringify({ ok: result.breaks.length === 0, ...result }) + '\n');
        } else if (result.breaks.length === 0) {
          process.stdout.write(`Audit chain intact: ${result.events} events in ${result.orgs} org(s)\n`);
        } else {
          for (const b of result.breaks) {
            process.stdout.write(`BROKEN ${b.orgId} at event #${b.seq}${b.eventId ? ` (${b.eventId})` : ''}: ${b.reason}\n`);
          }
        }
        setCode(result.breaks.length === 0 ? 0 : 1);
      } finally {
        await runtime.close();
      }
    });

  cli
    .command('mcp')
    .description("Serve the MCP tools over stdio for an AI assistant, acting with the CLI's profile (or LATCHKEY_URL + LATCHKEY_TOKEN)")
    .option('--profile <name>', 'credentials profile (default $LATCHKEY_PROFILE or the current one)')
    // Loaded on demand: the MCP SDK is not needed by any other command.
    .action(async (opts: { profile?: string }) => setCode(await (await import('./mcp.js')).mcpCommand(opts)));

  registerClientCommands(cli, setCode);
  return cli;
}

export async function main(argv: string[]): Promise<number> {
  let code = 0;
  try {
    await program((c) => (code = c)).parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof ConfigError) {
      process.stderr.write(`latchkey: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`latchkey: ${(error as Error).message}\n`);
    return 1;
  }
  return code;
}
