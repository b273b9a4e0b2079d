// `latchkey login`, `logout`, `whoami`: a saved credential per server (profile).
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { connect, LatchkeyError, mintWithPassword } from '../api.js';
import { readCredentials, removeProfile, saveProfile } from '../credentials.js';
import { action, CliError, clientCommand, type Context, type SetCode } from '../command.js';
import { readStdin } from '../prompt.js';

export function registerLogin(cli: Command, setCode: SetCode): void {
  cli
    .command('login')
    .description('Sign in to a Latchkey server and save the credential (a personal token) as a profile')
    .requiredOption('--url <url>', 'the server, e.g. https://latchkey.example.com')
    .option('--profile <name>', 'save it under this name (default $LATCHKEY_PROFILE or "default")')
    .option('--token-stdin', 'read an existing token from standard input instead of asking for email and password')
    .option('--json', 'print /v1/me as JSON')
    .action(action(setCode, login));

  cli
    .command('logout')
    .description('Forget a saved login')
    .option('--profile <name>', 'which one (default $LATCHKEY_PROFILE or the current one)')
    .option('--revoke', 'revoke the token on the server first')
    .action(action(setCode, logout));

  clientCommand(cli, 'whoami', 'Who the current credential acts as, in which org, with which scopes').action(action(setCode, whoami));
}

async function login(ctx: Context, _args: unknown, options: Record<string, unknown>): Promise<number> {
  const url = normaliseUrl(ctx, String(options.url));
  const profile = (options.profile as string | undefined) ?? (ctx.env.LATCHKEY_PROFILE || 'default');
  // A loose or broken credentials file is refused before anything is minted.
  readCredentials(ctx.credentialsFile);

  let token: string;
  let minted = false;
  if (options.tokenStdin) {
    token = (await readStdin()).trim();
    if (!token) ctx.usage('--token-stdin: nothing on standard input');
  } else {
    if (!ctx.prompt.isInteractive) ctx.usage('no terminal to ask for email and password: pipe a token to --token-stdin');
    ctx.out.note(`Signing in to ${url}`);
    const email = await ctx.prompt.ask('Email: ');
    const password = await ctx.prompt.askHidden('Password: ');
    if (!email || !password) throw new CliError('email and password are required; nothing was saved');
    const created = await mintWithPassword(url, { email, password, tokenName: `cli on ${hostname()}` });
    token = created.token;
    minted = true;
  }

  // The credential is checked before it is saved: a bad one leaves the file as it was.
  const me = await connect(url, token).me();
  saveProfile(ctx.credentialsFile, profile, { url, token });
  if (ctx.json) {
    ctx.out.json(me);
    return 0;
  }
  const who = me.principal.email ? `${me.principal.name} <${me.principal.email}>` : `${me.principal.name} (${me.principal.type})`;
  ctx.out.line(`${ctx.out.color.green('✓')} Logged in to ${url} as ${who} in ${me.org.name}`);
  const made = minted ? `minted token "${me.credential.name}" (${me.credential.prefix}…), ` : '';
  ctx.out.note(`  ${made}saved as profile "${profile}" in ${ctx.credentialsFile}`);
  return 0;
}

async function logout(ctx: Context, _args: unknown, options: Record<string, unknown>): Promise<number> {
  const name = ctx.profileName();
  const profile = readCredentials(ctx.credentialsFile).profiles[name];
  if (!profile) throw new CliError(`no saved login named "${name}"`);
  let revoked = '';
  if (options.revoke) {
    const lk = connect(profile.url, profile.token);
    try {
      const me = await lk.me();
      const id = me.credential.id;
      if (!id) throw new CliError('this credential is not a token; nothing to revoke');
      if (me.credential.kind === 'personal') await lk.apiTokens.revoke(id);
      else await lk.tokens.revoke(id);
      revoked = `; token ${me.credential.prefix}… revoked`;
    } catch (error) {
      // Already dead is what --revoke wanted.
      if (!(error instanceof LatchkeyError && error.status === 401)) throw error;
      revoked = '; the token was already invalid';
    }
  }
  removeProfile(ctx.credentialsFile, name);
  ctx.out.line(`Logged out of ${profile.url} (profile "${name}")${revoked}`);
  return 0;
}

async function whoami(ctx: Context): Promise<number> {
  const me = await ctx.client().me();
  if (ctx.json) {
    ctx.out.json(me);
    return 0;
  }
  const { color } = ctx.out;
  const connection = ctx.connection();
  const who = me.principal.email ? `${me.principal.name} <${me.principal.email}>` : me.principal.name;
  const credential =
    me.credential.type === 'token'
      ? `token "${me.credential.name}" ${me.credential.prefix}… (${me.credential.kind}, ${me.credential.expiresAt ? `expires ${ctx.out.time(me.credential.expiresAt)}` : 'never expires'})`
      : 'session';
  const rows: [string, string][] = [
    ['Server', `${connection.url}${connection.profile ? color.dim(` (profile ${connection.profile})`) : color.dim(' (LATCHKEY_URL)')}`],
    ['User', `${who} ${color.dim(me.principal.id)}`],
    ['Org', `${me.org.name} ${color.dim(me.org.id)}, plan ${me.org.plan}`],
    ['Role', me.role ?? '-'],
    ['Credential', credential],
    ['Scopes', me.scopes.join(' ')],
  ];
  for (const [label, value] of rows) ctx.out.line(`${color.bold(label.padEnd(11))}${value}`);
  return 0;
}

function normaliseUrl(ctx: Context, text: string): string {
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    ctx.usage(`--url: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') ctx.usage('--url must be http:// or https://');
  return url.toString().replace(/\/+$/, '');
}
