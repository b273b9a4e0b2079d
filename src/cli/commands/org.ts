// `latchkey service-accounts …`, `teams …`, `members …`: the org's principals.
import type { Command } from 'commander';
import type { Latchkey, Member } from '../api.js';
import { action, CliError, clientCommand, collect, destructive, type Context, type SetCode } from '../command.js';
import { expiryOption, printMinted, tokenColumns } from './tokens.js';

const check = (ctx: Context) => ctx.out.color.green('✓');

function grantOptions(command: Command, what: string): Command {
  return command
    .option('--scope <scope>', `${what} (repeatable, or comma-separated)`, collect)
    .option('--resource <id>', 'limit the grant to these resource ids (repeatable)', collect);
}

function grantFrom(ctx: Context, o: Record<string, unknown>): { scopes: string[]; resources?: string[] } {
  if (!o.scope) ctx.usage('give at least one --scope');
  return { scopes: o.scope as string[], ...(o.resource ? { resources: o.resource as string[] } : {}) };
}

/** A member named by id (usr_…) or by email. */
async function findMember(lk: Latchkey, ref: string): Promise<Member> {
  if (!ref.includes('@')) return lk.members.get(ref);
  for await (const member of lk.members.list()) if (member.email.toLowerCase() === ref.toLowerCase()) return member;
  throw new CliError(`no member with email ${ref} in this org`);
}

export function registerServiceAccounts(cli: Command, setCode: SetCode): void {
  const sa = cli.command('service-accounts').description('Machine principals that survive member churn');

  clientCommand(sa, 'list', 'List service accounts').action(
    action(setCode, async (ctx) => {
      const accounts = await ctx.all(ctx.client().serviceAccounts.list());
      if (ctx.json) return ctx.out.json({ data: accounts, nextCursor: null });
      ctx.out.table(accounts, [
        { header: 'Name', value: (a) => a.name, style: (s) => ctx.out.color.bold(s) },
        { header: 'ID', value: (a) => a.id, style: (s) => ctx.out.color.dim(s) },
        { header: 'Scopes', value: (a) => a.scopes.join(' ') + (a.resources ? ` on ${a.resources.join(',')}` : '') },
        { header: 'Created', value: (a) => ctx.out.time(a.createdAt) },
      ], 'No service accounts.');
    }),
  );

  grantOptions(clientCommand(sa, 'create', 'Create a service account with a grant').requiredOption('--name <name>', 'its name'), 'what it may do').action(
    action(setCode, async (ctx, _args, o) => {
      const created = await ctx.client().serviceAccounts.create({ name: String(o.name), ...grantFrom(ctx, o) });
      if (ctx.json) ctx.out.json(created);
      else ctx.out.line(`${check(ctx)} Created service account "${created.name}" (${created.id}) with ${created.scopes.join(' ')}`);
    }),
  );

  clientCommand(sa, 'tokens <id>', "List a service account's tokens").action(
    action(setCode, async (ctx, [id]) => {
      const tokens = await ctx.all(ctx.client().serviceAccounts.listTokens(id));
      if (ctx.json) ctx.out.json({ data: tokens, nextCursor: null });
      else ctx.out.table(tokens, tokenColumns(ctx.out), 'No tokens.');
    }),
  );

  destructive(clientCommand(sa, 'delete <id>', 'Delete a service account; all its tokens are revoked')).action(
    action(setCode, async (ctx, [id]) => {
      const lk = ctx.client();
      const account = await lk.serviceAccounts.get(id);
      await ctx.confirm(`Delete service account "${account.name}" and revoke all its tokens?`);
      const result = await lk.serviceAccounts.delete(id);
      if (ctx.json) ctx.out.json(result);
      else ctx.out.line(`${check(ctx)} Deleted "${account.name}"; ${result.revokedTokens} token(s) revoked`);
    }),
  );

  clientCommand(sa, 'issue-token <id>', "Issue a token for a service account (its scopes can only narrow the account's)")
    .requiredOption('--name <name>', "the token's name")
    .option('--scope <scope>', "narrow it to these scopes (default: the account's)", collect)
    .option('--resource <id>', 'limit it to these resource ids', collect)
    .option('--expires <when>', '7d, 30d, 90d, 1y, 45d, 2027-01-31 or never')
    .action(
      action(setCode, async (ctx, [id], o) => {
        const minted = await ctx.client().serviceAccounts.issueToken(id, {
          name: String(o.name),
          ...(o.scope ? { scopes: o.scope as string[] } : {}),
          ...(o.resource ? { resources: o.resource as string[] } : {}),
          ...expiryOption(ctx, o.expires),
        });
        printMinted(ctx, minted, 'Issued');
      }),
    );

  destructive(clientCommand(sa, 'revoke-token <id> <tokenId>', "Revoke one of a service account's tokens")).action(
    action(setCode, async (ctx, [id, tokenId]) => {
      await ctx.confirm(`Revoke token ${tokenId} of service account ${id}?`);
      const revoked = await ctx.client().serviceAccounts.revokeToken(id, tokenId);
      if (ctx.json) ctx.out.json(revoked);
      else ctx.out.line(`${check(ctx)} Revoked token "${revoked.name}" (${revoked.id})`);
    }),
  );
}

export function registerTeams(cli: Command, setCode: SetCode): void {
  const teams = cli.command('teams').description('Teams, their members and their tokens');

  clientCommand(teams, 'list', 'List teams').action(
    action(setCode, async (ctx) => {
      const list = await ctx.all(ctx.client().teams.list());
      if (ctx.json) return ctx.out.json({ data: list, nextCursor: null });
      ctx.out.table(list, [
        { header: 'Name', value: (t) => t.name, style: (s) => ctx.out.color.bold(s) },
        { header: 'ID', value: (t) => t.id, style: (s) => ctx.out.color.dim(s) },
        { header: 'Created', value: (t) => ctx.out.time(t.createdAt) },
      ], 'No teams.');
    }),
  );

  clientCommand(teams, 'create', 'Create a team')
    .requiredOption('--name <name>', 'its name')
    .action(
      action(setCode, async (ctx, _args, o) => {
        const team = await ctx.client().teams.create({ name: String(o.name) });
        if (ctx.json) ctx.out.json(team);
        else ctx.out.line(`${check(ctx)} Created team "${team.name}" (${team.id})`);
      }),
    );

  clientCommand(teams, 'members <id>', "List a team's members and their grants").action(
    action(setCode, async (ctx, [id]) => {
      const members = await ctx.all(ctx.client().teams.listMembers(id));
      if (ctx.json) return ctx.out.json({ data: members, nextCursor: null });
      ctx.out.table(members, [
        { header: 'Email', value: (m) => m.email },
        { header: 'User', value: (m) => m.userId, style: (s) => ctx.out.color.dim(s) },
        { header: 'Scopes', value: (m) => m.scopes.join(' ') + (m.resources ? ` on ${m.resources.join(',')}` : '') },
      ], 'No members.');
    }),
  );

  clientCommand(teams, 'tokens <id>', 'List tokens issued by or attached to a team').action(
    action(setCode, async (ctx, [id]) => {
      const tokens = await ctx.all(ctx.client().teams.listTokens(id));
      if (ctx.json) ctx.out.json({ data: tokens, nextCursor: null });
      else ctx.out.table(tokens, tokenColumns(ctx.out), 'No tokens.');
    }),
  );

  destructive(clientCommand(teams, 'delete <id>', "Delete a team: its grants go, its tokens are revoked, attached ones detached")).action(
    action(setCode, async (ctx, [id]) => {
      const lk = ctx.client();
      const team = await lk.teams.get(id);
      await ctx.confirm(`Delete team "${team.name}" and revoke the tokens it issued?`);
      const result = await lk.teams.delete(id);
      if (ctx.json) ctx.out.json(result);
      else ctx.out.line(`${check(ctx)} Deleted team "${team.name}"; ${result.revokedTokens} token(s) revoked, ${result.detachedTokens} detached`);
    }),
  );

  grantOptions(clientCommand(teams, 'add-member <id>', 'Add an org member to the team with a grant').requiredOption('--user <idOrEmail>', 'the member (usr_… or email)'), 'what they may do in the team').action(
    action(setCode, async (ctx, [id], o) => {
      const lk = ctx.client();
      const grant = grantFrom(ctx, o);
      const member = await findMember(lk, String(o.user));
      const added = await lk.teams.addMember(id, { userId: member.userId, ...grant });
      if (ctx.json) ctx.out.json(added);
      else ctx.out.line(`${check(ctx)} Added ${added.email} to ${id} with ${added.scopes.join(' ')}`);
    }),
  );

  destructive(clientCommand(teams, 'remove-member <id> <user>', 'Remove a member from the team (usr_… or email)')).action(
    action(setCode, async (ctx, [id, user]) => {
      const lk = ctx.client();
      const member = await findMember(lk, user);
      await ctx.confirm(`Remove ${member.email} from team ${id}?`);
      const result = await lk.teams.removeMember(id, member.userId);
      if (ctx.json) ctx.out.json(result);
      else ctx.out.line(`${check(ctx)} Removed ${member.email} from ${id}`);
    }),
  );

  grantOptions(clientCommand(teams, 'issue-token <id>', 'Issue a team token (takes a seat; its secret is printed once)').requiredOption('--name <name>', "the token's name"), 'what it may do in the team')
    .option('--expires <when>', '7d, 30d, 90d, 1y, 45d, 2027-01-31 or never')
    .action(
      action(setCode, async (ctx, [id], o) => {
        const minted = await ctx.client().teams.issueToken(id, { name: String(o.name), ...grantFrom(ctx, o), ...expiryOption(ctx, o.expires) });
        printMinted(ctx, minted, 'Issued');
      }),
    );

  grantOptions(clientCommand(teams, 'attach <id> <tokenId>', 'Attach an existing service token to the team with a grant (takes a seat)'), 'what it may do in the team').action(
    action(setCode, async (ctx, [id, tokenId], o) => {
      const token = await ctx.client().teams.attachToken(id, tokenId, grantFrom(ctx, o));
      if (ctx.json) ctx.out.json(token);
      else ctx.out.line(`${check(ctx)} Attached "${token.name}" (${token.id}) to ${id}`);
    }),
  );

  destructive(clientCommand(teams, 'detach <id> <tokenId>', 'Detach a token from the team (frees its seat)')).action(
    action(setCode, async (ctx, [id, tokenId]) => {
      await ctx.confirm(`Detach token ${tokenId} from team ${id}?`);
      const token = await ctx.client().teams.detachToken(id, tokenId);
      if (ctx.json) ctx.out.json(token);
      else ctx.out.line(`${check(ctx)} Detached "${token.name}" (${token.id}) from ${id}`);
    }),
  );
}

export function registerMembers(cli: Command, setCode: SetCode): void {
  const members = cli.command('members').description("The org's members and invitations");

  clientCommand(members, 'list', 'List members').action(
    action(setCode, async (ctx) => {
      const list = await ctx.all(ctx.client().members.list());
      if (ctx.json) return ctx.out.json({ data: list, nextCursor: null });
      ctx.out.table(list, [
        { header: 'Email', value: (m) => m.email, style: (s) => ctx.out.color.bold(s) },
        { header: 'Name', value: (m) => m.name },
        { header: 'ID', value: (m) => m.userId, style: (s) => ctx.out.color.dim(s) },
        { header: 'Role', value: (m) => m.role },
        { header: 'Status', value: (m) => m.status, style: (s) => ctx.out.status(s) },
        { header: 'Joined', value: (m) => ctx.out.time(m.createdAt) },
      ], 'No members.');
    }),
  );

  clientCommand(members, 'invite', 'Add a person by email: an existing user joins at once, anyone else gets an invitation (its token printed once)')
    .requiredOption('--email <email>', 'their email')
    .option('--role <role>', 'owner, admin, member, viewer…', 'member')
    .action(
      action(setCode, async (ctx, _args, o) => {
        const result = await ctx.client().members.add({ email: String(o.email), role: String(o.role) });
        if (ctx.json) return ctx.out.json(result);
        if (result.member) ctx.out.line(`${check(ctx)} ${result.member.email} joined as ${result.member.role}`);
        else if (result.invitation) {
          ctx.out.note(`${check(ctx)} Invited ${result.invitation.email} as ${result.invitation.role}; the invitation expires ${ctx.out.time(result.invitation.expiresAt)}`);
          if (result.inviteToken) ctx.out.secret('Invite token (pass to POST /v1/auth/accept-invite)', result.inviteToken);
        }
      }),
    );

  const change = (name: string, description: string, body: (ctx: Context, arg: string | undefined) => { role?: string; status?: 'active' | 'suspended' }, args = '<user>') =>
    clientCommand(members, `${name} ${args}`, description).action(
      action(setCode, async (ctx, [user, arg]) => {
        const lk = ctx.client();
        const member = await findMember(lk, user);
        const updated = await lk.members.update(member.userId, body(ctx, arg));
        if (ctx.json) ctx.out.json(updated);
        else ctx.out.line(`${check(ctx)} ${updated.email}: ${updated.role}, ${ctx.out.status(updated.status)}`);
      }),
    );
  change('set-role', "Change a member's role (their tokens follow at once)", (_ctx, role) => ({ role: role! }), '<user> <role>');
  change('suspend', 'Suspend a member: every token of theirs stops working at once', () => ({ status: 'suspended' }));
  change('reactivate', 'Reactivate a suspended member', () => ({ status: 'active' }));

  destructive(clientCommand(members, 'remove <user>', 'Remove a member from the org (revokes their personal tokens here)')).action(
    action(setCode, async (ctx, [user]) => {
      const lk = ctx.client();
      const member = await findMember(lk, user);
      await ctx.confirm(`Remove ${member.email} from the org and revoke their personal tokens?`);
      const result = await lk.members.remove(member.userId);
      if (ctx.json) ctx.out.json(result);
      else ctx.out.line(`${check(ctx)} Removed ${member.email}; ${result.revokedTokens} token(s) revoked`);
    }),
  );
}
