// `latchkey init`: the first org, its owner and a first token, printed once.
import { isAppError } from '../errors.js';
import { initialize, type InitResult } from '../orgs/bootstrap.js';
import { loadConfig } from '../config.js';
import { databaseHasOrg, openRuntime, readStdin, type GlobalOptions } from './runtime.js';

export interface InitOptions extends GlobalOptions {
  org: string;
  email: string;
  passwordStdin?: boolean;
  json?: boolean;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

export async function initCommand(options: InitOptions): Promise<number> {
  if (!EMAIL.test(options.email)) {
    process.stderr.write(`latchkey init: "${options.email}" is not an email address\n`);
    return 2;
  }
  let password: string | null = null;
  if (options.passwordStdin) {
    password = await readStdin();
    if (password.length < 8) {
      process.stderr.write('latchkey init: the password from stdin must be at least 8 characters\n');
      return 2;
    }
  }
  // Refuse before anything is written (not even a pepper file) when an org exists.
  const config = loadConfig({ dataDir: options.dataDir });
  if (await databaseHasOrg(config.databaseUrl)) {
    process.stderr.write(`latchkey init: ${config.databaseUrl} already has an organization; nothing was changed\n`);
    return 1;
  }
  const runtime = await openRuntime(options, { createPepper: true });
  try {
    const result = await initialize(runtime.deps, { orgName: options.org, email: options.email, password });
    printInit(result, options.json ?? false, runtime.config.dataDir, password !== null);
    return 0;
  } catch (error) {
    if (isAppError(error) && error.code === 'already_initialized') {
      process.stderr.write(`latchkey init: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await runtime.close();
  }
}

export function printInit(result: InitResult, json: boolean, dataDir: string, hasPassword: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify({ org: result.org, user: result.user, token: result.token }) + '\n');
    return;
  }
  process.stdout.write(
    [
      `Initialised Latchkey in ${dataDir}`,
      `  org:    ${result.org.name} (${result.org.id})`,
      `  owner:  ${result.user.email} (${result.user.id})${hasPassword ? '' : ' (no password: sign in with the token, or invite yourself)'}`,
      `  token:  ${result.token}`,
      '',
      'The token is shown once and stored only as a hash. Copy it now.',
      '',
    ].join('\n'),
  );
}
