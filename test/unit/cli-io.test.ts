// The CLI's output module, prompts (with fake terminals), credentials store and
// value parsers, without a server.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LatchkeyError } from '@latchkey/sdk';
import { credentialsPath, CredentialsError, readCredentials, removeProfile, saveProfile } from '../../src/cli/credentials.js';
import { formatError, Output, relativeTime } from '../../src/cli/output.js';
import { parseDuration, parseExpires, parseSince } from '../../src/cli/parse.js';
import { Prompt } from '../../src/cli/prompt.js';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  return { isTTY, write: (text: string) => chunks.push(text), get text() { return chunks.join(''); } };
}

describe('Output', () => {
  const rows = [{ name: 'ci', status: 'active', at: '2026-01-01T00:00:00.000Z' }, { name: 'a longer name', status: 'revoked', at: '2025-12-31T22:00:00.000Z' }];
  const now = () => new Date('2026-01-01T00:05:00.000Z');

  it('aligns columns; no colour and ISO times off a terminal', () => {
    const stdout = sink(false);
    const out = new Output({ stdout, stderr: sink(false), env: {}, now });
    out.table(rows, [{ header: 'Name', value: (r) => r.name }, { header: 'Status', value: (r) => r.status, style: (s) => out.status(s) }, { header: 'When', value: (r) => out.time(r.at) }]);
    expect(stdout.text).toBe(['NAME           STATUS   WHEN', 'ci             active   2026-01-01T00:00:00.000Z', 'a longer name  revoked  2025-12-31T22:00:00.000Z', ''].join('\n'));
  });

  it('colours and relative times on a terminal, unless NO_COLOR is set', () => {
    const tty = sink(true);
    const out = new Output({ stdout: tty, stderr: sink(true), env: {}, now });
    out.table(rows, [{ header: 'Status', value: (r) => r.status, style: (s) => out.status(s) }, { header: 'When', value: (r) => out.time(r.at) }]);
    expect(tty.text).toContain('\u001b[32mactive\u001b[39m   5 minutes ago');
    expect(tty.text).toContain('5 minutes ago');
    expect(tty.text).toContain('2 hours ago');
    const plain = sink(true);
    const noColor = new Output({ stdout: plain, stderr: sink(true), env: { NO_COLOR: '1' }, now });
    noColor.line(noColor.status('active') + ' ' + noColor.time(rows[0]!.at));
    expect(plain.text).toBe('active 5 minutes ago\n');
  });

  it('says so on stderr when a table is empty; --json output is the value itself', () => {
    const stdout = sink(false);
    const stderr = sink(false);
    const out = new Output({ stdout, stderr, env: {} });
    out.table([], [{ header: 'Name', value: () => '' }], 'No tokens.');
    out.json({ data: [], nextCursor: null });
    expect(stdout.text).toBe('{"data":[],"nextCursor":null}\n');
    expect(stderr.text).toBe('No tokens.\n');
  });

  it('never lets a control character from the server reach the terminal', () => {
    const stdout = sink(false);
    new Output({ stdout, stderr: sink(false), env: {} }).table([{ name: 'evil\u001b[2Jname' }], [{ header: 'Name', value: (r) => r.name }]);
    expect(stdout.text).not.toContain('\u001b');
  });

  it('formats a problem with its detail, code and request id', () => {
    const error = new LatchkeyError({ status: 404, code: 'not_found', detail: 'No such token', requestId: 'req_1', errors: [{ field: 'id', message: 'unknown' }] });
    expect(formatError(error)).toBe('error: No such token [not_found] (request req_1)\n  id: unknown');
  });

  it('relative times read naturally', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(relativeTime(new Date('2026-01-01T00:00:20Z'), now)).toBe('just now');
    expect(relativeTime(new Date('2026-01-29T00:00:00Z'), now)).toBe('in 4 weeks');
    expect(relativeTime(new Date('2025-12-31T00:00:00Z'), now)).toBe('yesterday');
    expect(relativeTime(new Date('2027-01-02T00:00:00Z'), now)).toBe('next year');
  });
});

describe('Prompt (fake terminals)', () => {
  function terminal() {
    const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => input });
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let shown = '';
    output.on('data', (c: Buffer) => (shown += c.toString()));
    return { input, output, shown: () => shown };
  }

  it('asks, and hides a password: what is typed never reaches the output', async () => {
    const t = terminal();
    const prompt = new Prompt({ input: t.input, output: t.output });
    expect(prompt.isInteractive).toBe(true);
    const email = prompt.ask('Email: ');
    t.input.write('me@example.com\n');
    expect(await email).toBe('me@example.com');
    const password = prompt.askHidden('Password: ');
    t.input.write('hunter2 hunter2\n');
    expect(await password).toBe('hunter2 hunter2');
    expect(t.shown()).toContain('Password: ');
    expect(t.shown()).not.toContain('hunter2');
  });

  it('confirms only on y or yes', async () => {
    for (const [answer, expected] of [['y', true], ['YES', true], ['', false], ['no', false], ['yep', false]] as const) {
      const t = terminal();
      const question = new Prompt({ input: t.input, output: t.output }).confirm('Revoke?');
      t.input.write(`${answer}\n`);
      expect(await question).toBe(expected);
      expect(t.shown()).toContain('Revoke? [y/N] ');
    }
    expect(new Prompt({ input: new PassThrough(), output: new PassThrough() }).isInteractive).toBe(false);
  });
});

describe('credentials', () => {
  const dir = () => mkdtempSync(path.join(tmpdir(), 'latchkey-creds-'));

  it('lives under $XDG_CONFIG_HOME, else ~/.config', () => {
    expect(credentialsPath({ XDG_CONFIG_HOME: '/x', HOME: '/home/me' })).toBe('/x/latchkey/credentials.json');
    expect(credentialsPath({ HOME: '/home/me' })).toBe('/home/me/.config/latchkey/credentials.json');
    expect(credentialsPath({ XDG_CONFIG_HOME: 'relative', HOME: '/home/me' })).toBe('/home/me/.config/latchkey/credentials.json');
  });

  it('writes atomically with 0700/0600, keeps other profiles, and leaves no temp file', () => {
    const file = path.join(dir(), 'latchkey', 'credentials.json');
    saveProfile(file, 'default', { url: 'http://a', token: 't1' });
    saveProfile(file, 'work', { url: 'http://b', token: 't2' });
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readCredentials(file)).toEqual({ current: 'work', profiles: { default: { url: 'http://a', token: 't1' }, work: { url: 'http://b', token: 't2' } } });
    expect(readdirSync(path.dirname(file))).toEqual(['credentials.json']);
    expect(removeProfile(file, 'work')).toEqual({ url: 'http://b', token: 't2' });
    expect(readCredentials(file).current).toBe('default');
    expect(removeProfile(file, 'nope')).toBeNull();
  });

  it('refuses a file others can read or that is not a credentials file', () => {
    const file = path.join(dir(), 'credentials.json');
    writeFileSync(file, '{"current":"default","profiles":{}}', { mode: 0o644 });
    chmodSync(file, 0o644);
    expect(() => readCredentials(file)).toThrow(CredentialsError);
    expect(() => readCredentials(file)).toThrow(/chmod 600/);
    chmodSync(file, 0o600);
    writeFileSync(file, '[1,2]');
    expect(() => readCredentials(file)).toThrow(/not a Latchkey credentials file/);
    expect(readFileSync(file, 'utf8')).toBe('[1,2]');
  });
});

describe('parsers', () => {
  const now = new Date('2026-01-01T00:00:00.000Z');
  it('expiry: presets, days, dates, never', () => {
    expect(parseExpires('30d', now)).toEqual({ expiresIn: '30d' });
    expect(parseExpires('never', now)).toEqual({ expiresIn: null });
    expect(parseExpires('45d', now)).toEqual({ expiresAt: '2026-02-15T00:00:00.000Z' });
    expect(parseExpires('2027-01-31', now)).toEqual({ expiresAt: '2027-01-31T00:00:00.000Z' });
    expect(parseExpires('soon', now)).toBeNull();
    expect(parseExpires('0d', now)).toBeNull();
  });
  it('durations and times', () => {
    expect(parseDuration('60')).toBe(60);
    expect(parseDuration('5m')).toBe(300);
    expect(parseDuration('1h')).toBe(3600);
    expect(parseDuration('1 hour')).toBeNull();
    expect(parseSince('2h', now)).toBe('2025-12-31T22:00:00.000Z');
    expect(parseSince('2026-01-01', now)).toBe('2026-01-01T00:00:00.000Z');
    expect(parseSince('whenever', now)).toBeNull();
  });
});
