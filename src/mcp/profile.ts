// Which server and token `latchkey mcp` uses, read the way the CLI's client
// commands read them (SPEC §7.3): LATCHKEY_URL + LATCHKEY_TOKEN in the
// environment win; otherwise a profile from
// $XDG_CONFIG_HOME/latchkey/credentials.json (default ~/.config/latchkey/),
//   { "current": "default", "profiles": { "default": { "url": "…", "token": "…" } } }
// picked by --profile, then LATCHKEY_PROFILE, then "current".
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

export interface Connection {
  url: string;
  token: string;
  /** Where it came from, for messages (never the token). */
  source: string;
}

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME || path.join(homedir(), '.config');
  return path.join(base, 'latchkey', 'credentials.json');
}

/** The connection to use, or an error message saying how to provide one. */
export function resolveConnection(env: NodeJS.ProcessEnv, profileFlag?: string): Connection | { error: string } {
  if (env.LATCHKEY_URL && env.LATCHKEY_TOKEN) return { url: env.LATCHKEY_URL, token: env.LATCHKEY_TOKEN, source: 'LATCHKEY_URL and LATCHKEY_TOKEN' };
  const file = credentialsPath(env);
  let stored: { current?: unknown; profiles?: Record<string, { url?: unknown; token?: unknown }> };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { error: 'not logged in: run `latchkey login --url URL`, or set LATCHKEY_URL and LATCHKEY_TOKEN' };
    }
    return { error: `cannot read ${file}: ${(error as Error).message}` };
  }
  const name = profileFlag ?? env.LATCHKEY_PROFILE ?? (typeof stored.current === 'string' ? stored.current : 'default');
  const profile = stored.profiles?.[name];
  if (!profile || typeof profile.url !== 'string' || typeof profile.token !== 'string') {
    return { error: `no profile "${name}" in ${file}: run \`latchkey login --url URL --profile ${name}\`` };
  }
  return { url: profile.url, token: profile.token, source: `profile "${name}"` };
}
