// Which server and token `latchkey mcp` picks (src/mcp/profile.ts): the environment
// first, then the CLI's credentials file (SPEC §7.3).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { credentialsPath, resolveConnection } from '../../src/mcp/profile.js';

const config = mkdtempSync(path.join(tmpdir(), 'latchkey-profile-'));
mkdirSync(path.join(config, 'latchkey'));
writeFileSync(
  path.join(config, 'latchkey', 'credentials.json'),
  JSON.stringify({ current: 'work', profiles: { work: { url: 'https://work.example', token: 'lk_pat_work' }, side: { url: 'https://side.example', token: 'lk_pat_side' } } }),
);
const env = { XDG_CONFIG_HOME: config };

afterAll(() => rmSync(config, { recursive: true, force: true }));

describe('resolveConnection', () => {
  it('reads $XDG_CONFIG_HOME/latchkey/credentials.json, else ~/.config/latchkey/', () => {
    expect(credentialsPath(env)).toBe(path.join(config, 'latchkey', 'credentials.json'));
    expect(credentialsPath({ HOME: '/home/someone' })).toMatch(/\.config\/latchkey\/credentials\.json$/);
  });

  it('uses the current profile, LATCHKEY_PROFILE over it, and --profile over both', () => {
    expect(resolveConnection(env)).toMatchObject({ url: 'https://work.example', token: 'lk_pat_work' });
    expect(resolveConnection({ ...env, LATCHKEY_PROFILE: 'side' })).toMatchObject({ token: 'lk_pat_side' });
    expect(resolveConnection({ ...env, LATCHKEY_PROFILE: 'work' }, 'side')).toMatchObject({ token: 'lk_pat_side' });
  });

  it('LATCHKEY_URL + LATCHKEY_TOKEN override any profile', () => {
    expect(resolveConnection({ ...env, LATCHKEY_URL: 'http://ci.example', LATCHKEY_TOKEN: 'lk_pat_ci' }, 'side')).toEqual({
      url: 'http://ci.example',
      token: 'lk_pat_ci',
      source: 'LATCHKEY_URL and LATCHKEY_TOKEN',
    });
  });

  it('says how to log in when there is no file or no such profile, never naming a token', () => {
    expect(resolveConnection({ XDG_CONFIG_HOME: path.join(config, 'none') })).toEqual({ error: expect.stringMatching(/latchkey login --url URL/) });
    const missing = resolveConnection(env, 'nope');
    expect(missing).toEqual({ error: expect.stringMatching(/no profile "nope"/) });
    expect(JSON.stringify(missing)).not.toContain('lk_pat_');
  });
});
