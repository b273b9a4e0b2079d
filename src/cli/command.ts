// What every client command shares: finding the server and the token (env,
// --profile, the current profile), the output module, prompts, confirmations,
// and one mapping from failures to exit codes (1: the server or the file said
// no; 2: the command line was wrong).
import { Command, CommanderError, Option } from 'commander';
import { connect, LatchkeyError, type Latchkey } from './api.js';
import { credentialsPath, CredentialsError, readCredentials } from './credentials.js';
import { Output } from './output.js';
import { Prompt } from './prompt.js';

export type SetCode = (code: number) => void;

export interface Connection {
  url: string;
  token: string;
  /** The profile it came from, or null when LATCHKEY_URL + LATCHKEY_TOKEN gave it. */
  profile: string | null;
}

/** Something the person can fix by doing what the message says (exit 1). */
export class CliError extends Error {}

export interface CommonOptions {
  profile?: string;
  json?: boolean;
  yes?: boolean;
}

export class Context {
  readonly out: Output;
  readonly prompt: Prompt;
  readonly command: Command;
  readonly env: NodeJS.ProcessEnv;
  readonly options: CommonOptions;
  #client: Latchkey | undefined;
  #connection: Connection | undefined;

  constructor(command: Command, options: CommonOptions, env: NodeJS.ProcessEnv = process.env) {
    this.command = command;
    this.options = options;
    this.env = env;
    this.out = new Output({ env });
    this.prompt = new Prompt();
  }

  get json(): boolean {
    return this.options.json === true;
  }

  get credentialsFile(): string {
    return credentialsPath(this.env);
  }

  /** The profile a command means: --profile, then LATCHKEY_PROFILE, then the file's current one. */
  profileName(): string {
    return this.options.profile ?? (this.env.LATCHKEY_PROFILE || undefined) ?? readCredentials(this.credentialsFile).current;
  }

  connection(): Connection {
    if (this.#connection) return this.#connection;
    const { LATCHKEY_URL: url, LATCHKEY_TOKEN: token } = this.env;
    if (url && token) return (this.#connection = { url, token, profile: null });
    const name = this.profileName();
    const profile = readCredentials(this.credentialsFile).profiles[name];
    if (!profile) {
      throw new CliError(
        `not logged in${name === 'default' ? '' : ` (profile "${name}")`}: run \`latchkey login --url URL${name === 'default' ? '' : ` --profile ${name}`}\`, or set LATCHKEY_URL and LATCHKEY_TOKEN`,
      );
    }
    return (this.#connection = { url: url || profile.url, token: token || profile.token, profile: name });
  }

  client(): Latchkey {
    if (!this.#client) {
      const { url, token } = this.connection();
      this.#client = connect(url, token);
    }
    return this.#client;
  }

  /** A wrong command line: the message and the usage line on stderr, exit 2. */
  usage(message: string): never {
    this.command.error(`error: ${message}`, { exitCode: 2, code: 'latchkey.usage' });
  }

  /**
   * Destructive commands: asked on a terminal; otherwise --yes is required. A "no"
   * stops the command with exit 1 and nothing changed.
   */
  async confirm(question: string): Promise<void> {
    if (this.options.yes) return;
    if (!this.prompt.isInteractive) this.usage(`${question.replace(/\?$/, '')}: not on a terminal, so pass --yes to confirm`);
    if (!(await this.prompt.confirm(question))) throw new CliError('cancelled; nothing was changed');
  }

  /** Every item of a list, following pages. */
  async all<T>(list: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of list) items.push(item);
    return items;
  }
}

/** A command's positional arguments, as declared (commander fills required ones, or stops with a usage error). */
export type Positional = [string, string];

/** Wraps an action: builds the context, maps errors to exit codes, reports the code. */
export function action(setCode: SetCode, run: (ctx: Context, args: Positional, options: Record<string, unknown>) => Promise<number | void>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args[args.length - 1] as Command;
    const options = command.opts();
    const ctx = new Context(command, options);
    try {
      setCode((await run(ctx, args.slice(0, -2) as Positional, options)) ?? 0);
    } catch (error) {
      if (error instanceof CommanderError) throw error;
      if (error instanceof LatchkeyError || error instanceof CliError || error instanceof CredentialsError) {
        ctx.out.error(error);
        setCode(1);
        return;
      }
      throw error;
    }
  };
}

/** A client subcommand with the options every one of them takes. */
export function clientCommand(parent: Command, nameAndArgs: string, description: string): Command {
  return parent
    .command(nameAndArgs)
    .description(description)
    .addOption(new Option('--profile <name>', 'the saved login to use (default $LATCHKEY_PROFILE or the current one)'))
    .option('--json', "print the API's JSON");
}

/** Marks a command destructive: it confirms on a terminal, or needs --yes. */
export function destructive(command: Command): Command {
  return command.option('-y, --yes', 'do not ask for confirmation');
}

/** Options that may be repeated (--scope a --scope b) or comma-separated (--scope a,b). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

/** After a usage error, the command's usage line (commander prints it after the message). */
export function showUsageOnError(command: Command): void {
  const path: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) path.unshift(c.name());
  command.showHelpAfterError(`usage: ${path.join(' ')} ${command.usage()}`);
  for (const sub of command.commands) showUsageOnError(sub);
}
