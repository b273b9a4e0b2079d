// The CLI's credentials file: $XDG_CONFIG_HOME/latchkey/credentials.json (default
// ~/.config/latchkey/), one profile per server. It holds bearer tokens, so the
// directory is 0700 and the file 0600, written atomically (a temp file renamed
// over it, so a crash never leaves half a file), and a file that others can
// read is refused the way ssh refuses a loose private key.
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export interface Profile {
  url: string;
  token: string;
}

export interface Credentials {
  current: string;
  profiles: Record<string, Profile>;
}

/** A credentials file the CLI will not use; the message says how to fix it. */
export class CredentialsError extends Error {}

export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(env.HOME || homedir(), '.config');
  return path.join(base, 'latchkey', 'credentials.json');
}

const empty = (): Credentials => ({ current: 'default', profiles: {} });

export function readCredentials(file: string): Credentials {
  let mode: number;
  try {
    mode = statSync(file).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return empty();
    throw error;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new CredentialsError(
      `${file} is readable by others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); it holds tokens, so it is ignored.\n` +
        `Fix it with:  chmod 600 ${shellQuote(file)}   (and revoke its tokens if others may have read them)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new CredentialsError(`${file} is not valid JSON; fix it, or remove it and log in again`);
  }
  const value = parsed as Partial<Credentials>;
  if (typeof value !== 'object' || value === null || typeof value.profiles !== 'object' || value.profiles === null) {
    throw new CredentialsError(`${file} is not a Latchkey credentials file (expected { "current", "profiles" }); remove it and log in again`);
  }
  return { current: typeof value.current === 'string' ? value.current : 'default', profiles: value.profiles };
}

export function writeCredentials(file: string, credentials: Credentials): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
  writeFileAtomic(file, JSON.stringify(credentials, null, 2) + '\n', 0o600);
}

/** Writes `file` whole or not at all: a new file of `mode` beside it, flushed, then renamed over it. */
export function writeFileAtomic(file: string, contents: string, mode: number): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, contents);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

export function saveProfile(file: string, name: string, profile: Profile): void {
  const credentials = readCredentials(file);
  credentials.profiles[name] = profile;
  credentials.current = name;
  writeCredentials(file, credentials);
}

/** Forgets a profile; returns it (or null if there was none). */
export function removeProfile(file: string, name: string): Profile | null {
  const credentials = readCredentials(file);
  const profile = credentials.profiles[name] ?? null;
  if (!profile) return null;
  delete credentials.profiles[name];
  if (credentials.current === name) credentials.current = Object.keys(credentials.profiles)[0] ?? 'default';
  writeCredentials(file, credentials);
  return profile;
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
