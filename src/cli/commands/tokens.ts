// `latchkey tokens …` (your personal tokens) and `latchkey org-tokens …` (every
// token in the org, org API keys). A plaintext is printed only by create/roll.
import type { Command } from 'commander';
import type { ExpiryFields, MintedToken, Token } from '../api.js';
import { action, clientCommand, collect, destructive, type Context, type SetCode } from '../command.js';
import type { Column, Output } from '../output.js';
import { parseDuration, parseExpires } from '../parse.js';

export function tokenColumns(out: Output): Column<Token>[] {
  return [
    { header: 'Name', value: (t) => t.name, style: (s) => out.color.bold(s) },
    { header: 'ID', value: (t) => t.id, style: (s) => out.color.dim(s) },
    { header: 'Prefix', value: (t) => `${t.prefix}…` },
    { header: 'Scopes', value: (t) => scopesText(t) },
    { header: 'Last used', value: (t) => (t.lastUsedAt ? `${out.time(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}` : 'never') },
    { header: 'Expires', value: (t) => out.time(t.expiresAt, 'never') },
    { header: 'Status', value: (t) => t.status, style: (s) => out.status(s) },
  ];
}

function scopesText(t: Token): string {
  const scopes = t.role ? `role ${t.role}` : t.scopes.length > 3 ? `${t.scopes.slice(0, 3).join(' ')} +${t.scopes.length - 3}` : t.scopes.join(' ');
  const resources = [...new Set(t.grants.flatMap((g) => g.resources ?? []))];
  return resources.length ? `${scopes} on ${resources.join(',')}` : scopes || '-';
}

/** A token in detail, one field a line. */
export function printToken(out: Output, t: Token): void {
  const rows: [string, string][] = [
    ['Name', t.name],
    ['ID', t.id],
    ['Kind', t.kind + (t.role ? ` (org API key, role ${t.role})` : '')],
    ['Prefix', `${t.prefix}…`],
    ['Scopes', t.scopes.join(' ') || '-'],
    ...t.grants.filter((g) => g.team || g.resources).map((g): [string, string] => ['Grant', `${g.scopes.join(' ')}${g.team ? ` in ${g.team}` : ''}${g.resources ? ` on ${g.resources.join(',')}` : ''}`]),
    ['Created', out.time(t.createdAt)],
    ['Expires', out.time(t.expiresAt, 'never')],
    ['Last used', t.lastUsedAt ? `${out.time(t.lastUsedAt)}${t.lastUsedIp ? ` from ${t.lastUsedIp}` : ''}` : 'never'],
    ['Status', out.status(t.status)],
  ];
  for (const [label, value] of rows) out.line(`${out.color.bold(label.padEnd(10))}${value}`);
}

/** After mint or roll: the token's summary, then its secret, once. */
export function printMinted(ctx: Context, minted: MintedToken, verb: string): void {
  if (ctx.json) {
    ctx.out.json(minted);
    return;
  }
  ctx.out.note(`${ctx.out.color.green('✓')} ${verb} ${minted.kind} token "${minted.name}" (${minted.id}), ${minted.expiresAt ? `expires ${ctx.out.time(minted.expiresAt)}` : 'never expires'}`);
  ctx.out.secret('Token', minted.token);
}

export function expiryOption(ctx: Context, value: unknown): ExpiryFields {
  if (value === undefined) return {};
  const parsed = parseExpires(String(value));
  if (!parsed) ctx.usage(`--expires: "${String(value)}" is not 7d, 30d, 60d, 90d, 1y, a number of days (45d), a date (2027-01-31) or never`);
  return parsed;
}

export function graceOption(ctx: Context, value: unknown): { gracePeriodSeconds?: number } {
  if (value === undefined) return {};
  const seconds = parseDuration(String(value));
  if (seconds === null) ctx.usage(`--grace: "${String(value)}" is not a duration like 60s, 5m or 1h`);
  return { gracePeriodSeconds: seconds };
}

async function listInto(ctx: Context, items: AsyncIterable<Token>, empty: string): Promise<number> {
  const tokens = await ctx.all(items);
  if (ctx.json) ctx.out.json({ data: tokens, nextCursor: null });
  else ctx.out.table(tokens, tokenColumns(ctx.out), empty);
  return 0;
}

export function registerTokens(cli: Command, setCode: SetCode): void {
  const tokens = cli.command('tokens').description('Your personal access tokens');

  clientCommand(tokens, 'list', 'List your personal tokens')
    .option('--status <status>', 'active, revoked or expired')
    .action(
      action(setCode, (ctx, _args, o) =>
        listInto(ctx, ctx.client().apiTokens.list(o.status ? { status: o.status as 'active' | 'revoked' | 'expired' } : {}), 'No tokens. Create one with `latchkey tokens create --name NAME`.'),
      ),
    );

  clientCommand(tokens, 'create', 'Mint a personal token (its secret is printed once)')
    .requiredOption('--name <name>', 'a name you will recognise, unique among your live tokens')
    .option('--scope <scope>', 'narrow it to these scopes (repeatable; default: everything you can do, following your role)', collect)
    .option('--resource <id>', 'limit it to these resource ids (repeatable)', collect)
    .option('--expires <when>', '7d, 30d, 90d, 1y, 45d, 2027-01-31 or never')
    .action(
      action(setCode, async (ctx, _args, o) => {
        const minted = await ctx.client().apiTokens.create({
          name: String(o.name),
          ...(o.scope ? { scopes: o.scope as string[] } : {}),
          ...(o.resource ? { resources: o.resource as string[] } : {}),
          ...expiryOption(ctx, o.expires),
        });
        printMinted(ctx, minted, 'Created');
      }),
    );

  clientCommand(tokens, 'get <id>', 'Show one of your tokens (never its secret)').action(
    action(setCode, async (ctx, [id]) => {
      const token = await ctx.client().apiTokens.get(id);
      if (ctx.json) ctx.out.json(token);
      else printToken(ctx.out, token);
    }),
  );

  clientCommand(tokens, 'roll <id>', 'Rotate: a new secret, same id and name (printed once)')
    .option('--grace <duration>', 'keep the old secret working this long (60s, 5m, 1h; at most 24h)')
    .action(action(setCode, async (ctx, [id], o) => printMinted(ctx, await ctx.client().apiTokens.roll(id, graceOption(ctx, o.grace)), 'Rolled')));

  destructive(clientCommand(tokens, 'revoke <id>', 'Revoke one of your tokens, now and for good')).action(
    action(setCode, async (ctx, [id]) => {
      const lk = ctx.client();
      const token = await lk.apiTokens.get(id);
      await ctx.confirm(`Revoke token "${token.name}" (${token.prefix}…)? Anything using it stops working`);
      const revoked = await lk.apiTokens.revoke(id);
      if (ctx.json) ctx.out.json(revoked);
      else ctx.out.line(`${ctx.out.color.green('✓')} Revoked token "${revoked.name}" (${revoked.id})`);
    }),
  );

  destructive(clientCommand(tokens, 'revoke-all', 'Revoke every personal token of yours in this org (the CLI’s own included)')).action(
    action(setCode, async (ctx) => {
      await ctx.confirm('Revoke ALL your personal tokens, including the one this CLI uses?');
      const result = await ctx.client().apiTokens.revokeAll();
      if (ctx.json) ctx.out.json(result);
      else ctx.out.line(`${ctx.out.color.green('✓')} Revoked ${result.revoked} token(s). Log in again to keep using the CLI.`);
    }),
  );

  const org = cli.command('org-tokens').description("Every token in the org, and org API keys (needs tokens:admin)");

  clientCommand(org, 'list', 'List every token in the org')
    .option('--kind <kind>', 'personal or service')
    .option('--status <status>', 'active, revoked or expired')
    .option('--owner <userId>', 'personal tokens of this person')
    .option('--team <teamId>', 'tokens of this team')
    .action(
      action(setCode, (ctx, _args, o) => {
        const filters = Object.fromEntries(['kind', 'status', 'owner', 'team'].filter((k) => o[k] !== undefined).map((k) => [k, String(o[k])]));
        return listInto(ctx, ctx.client().tokens.list(filters), 'No tokens match.');
      }),
    );

  clientCommand(org, 'create', 'Create an org API key: a service token owned by the org, with a role (≤ yours) or scopes')
    .requiredOption('--name <name>', 'its name')
    .option('--role <role>', 'a fixed role, e.g. viewer')
    .option('--scope <scope>', 'or scopes (repeatable)', collect)
    .option('--resource <id>', 'limit it to these resource ids (repeatable)', collect)
    .option('--expires <when>', '7d, 30d, 90d, 1y, 45d, 2027-01-31 or never')
    .action(
      action(setCode, async (ctx, _args, o) => {
        if (!o.role && !o.scope) ctx.usage('give --role or --scope');
        if (o.role && o.scope) ctx.usage('give --role or --scope, not both');
        const minted = await ctx.client().tokens.create({
          name: String(o.name),
          ...(o.role ? { role: String(o.role) } : { scopes: o.scope as string[] }),
          ...(o.resource ? { resources: o.resource as string[] } : {}),
          ...expiryOption(ctx, o.expires),
        });
        printMinted(ctx, minted, 'Created');
      }),
    );

  clientCommand(org, 'get <id>', 'Show any token in the org').action(
    action(setCode, async (ctx, [id]) => {
      const token = await ctx.client().tokens.get(id);
      if (ctx.json) ctx.out.json(token);
      else printToken(ctx.out, token);
    }),
  );

  clientCommand(org, 'roll <id>', 'Rotate any token in the org (the new secret is printed once)')
    .option('--grace <duration>', 'keep the old secret working this long (60s, 5m, 1h; at most 24h)')
    .action(action(setCode, async (ctx, [id], o) => printMinted(ctx, await ctx.client().tokens.roll(id, graceOption(ctx, o.grace)), 'Rolled')));

  destructive(clientCommand(org, 'revoke <id>', 'Revoke any token in the org')).action(
    action(setCode, async (ctx, [id]) => {
      const lk = ctx.client();
      const token = await lk.tokens.get(id);
      await ctx.confirm(`Revoke ${token.kind} token "${token.name}" (${token.prefix}…)?`);
      const revoked = await lk.tokens.revoke(id);
      if (ctx.json) ctx.out.json(revoked);
      else ctx.out.line(`${ctx.out.color.green('✓')} Revoked token "${revoked.name}" (${revoked.id})`);
    }),
  );

  destructive(clientCommand(org, 'revoke-all', 'Mass revocation: every live token in the org (after a leak)'))
    .option('--kind <kind>', 'only personal or only service tokens')
    .action(
      action(setCode, async (ctx, _args, o) => {
        const kind = o.kind as 'personal' | 'service' | undefined;
        if (kind !== undefined && kind !== 'personal' && kind !== 'service') ctx.usage('--kind is personal or service');
        const { org: current } = await ctx.client().me();
        await ctx.confirm(`Revoke EVERY ${kind ? `${kind} ` : ''}token in org "${current.name}", this CLI's included?`);
        const result = await ctx.client().tokens.revokeAll(kind ? { kind } : {});
        if (ctx.json) ctx.out.json(result);
        else ctx.out.line(`${ctx.out.color.green('✓')} Revoked ${result.revoked} token(s) in ${current.name}.`);
      }),
    );
}
