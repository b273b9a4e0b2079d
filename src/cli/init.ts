// `latchkey init`: the first org, its owner and a first token, printed once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isAppError } from '../errors.js';
import { initialize, type InitResult } from '../orgs/bootstrap.js';
import { ConfigError, loadConfig } from '../config.js';
import { databaseHasOrg, openRuntime, readStdin, type GlobalOptions } from './runtime.js';

export interface InitOptions extends GlobalOptions {
  org: string;
  email: string;
  passwordStdin?: boolean;
  json?: boolean;
  preset?: string;
}

/**
 * `--preset NAME` records `"preset": NAME` in latchkey.config.json (kept with
 * whatever else the file says), so `serve` later runs with the same preset.
 * A file that already names another preset is left alone and init refuses.
 */
function recordPreset(preset: string): void {
  const explicit = process.env.LATCHKEY_CONFIG;
  const file = explicit ? path.resolve(explicit) : path.resolve('latchkey.config.json');
  const current = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  if (current.preset === preset) return;
  if (current.preset !== undefined) throw new ConfigError(`${file} already names the preset "${String(current.preset)}"; remove it to use "${preset}"`);
  writeFileSync(file, JSON.stringify({ ...current, preset }, null, 2) + '\n');
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
  // Loading the config with the preset checks both before anything is written.
  const config = loadConfig({ dataDir: options.dataDir, overrides: options.preset ? { preset: options.preset } : {} });
  if (await databaseHasOrg(config.databaseUrl)) {
    process.stderr.write(`latchkey init: ${config.databaseUrl} already has an organization; nothing was changed\n`);
    return 1;
  }
  if (options.preset) recordPreset(options.preset);
  const runtime = await openRuntime(options, { createPepper: true });
  try {
    const result = await initialize(runtime.deps, { orgName: options.org, email: options.email, password });
    printInit(result, options.json ?? false, runtime.config.dataDir, password !== null, runtime.config.preset);
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

export function printInit(result: InitResult, json: boolean, dataDir: string, hasPassword: boolean, preset: string | null = null): void {
  if (json) {
    process.stdout.write(JSON.stringify({ org: result.org, user: result.user, token: result.token }) + '\n');
    return;
  }
  process.stdout.write(
    [
      `Initialised Latchkey in ${dataDir}`,
      ...(preset ? [`  preset: ${preset}`] : []),
      `  org:    ${result.org.name} (${result.org.id})`,
      `  owner:  ${result.user.email} (${result.user.id})${hasPassword ? '' : ' (no password: sign in with the token, or invite yourself)'}`,
      `  token:  ${result.token}`,
      '',
      'The token is shown once and stored only as a hash. Copy it now.',
      '',
    ].join('\n'),
  );
}
