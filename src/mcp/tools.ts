// The MCP tools (SPEC §7.6): one table, each tool one call of the Latchkey SDK
// with its input schema, output schema and annotations beside it. No rule lives
// here: the server decides what the credential may do, and a refusal comes back
// as the API's problem (see server.ts). Billing and plan changes are
// deliberately not tools. The inputs are typed from the zod schemas and passed to
// the SDK, whose types come from the server's OpenAPI document, so a tool whose
// input no longer fits its route fails to compile.
import { z } from 'zod';
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { Latchkey } from '@latchkey/sdk';
import * as S from './schemas.js';

export type Json = Record<string, unknown>;

export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  input: z.ZodRawShape;
  output: z.ZodObject;
  annotations: ToolAnnotations;
  /** The result carries a plaintext secret, shown once. */
  mints?: boolean;
  run(client: Latchkey, args: Json): Promise<Json>;
}

interface ToolDefinition<I extends z.ZodRawShape> extends Omit<ToolSpec, 'input' | 'run'> {
  input: I;
  /** Called with the input already checked against `input` (unknown fields dropped). */
  run(client: Latchkey, args: z.infer<z.ZodObject<I>>): Promise<object>;
}

const read: ToolAnnotations = { readOnlyHint: true, openWorldHint: false };
const create: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const destroy: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

const ONCE = 'The result holds the new plaintext secret in `token`. It is shown only in this result and can never be retrieved again: give it to the user or put it in a secret store now, and do not repeat it elsewhere.';

function tool<I extends z.ZodRawShape>(definition: ToolDefinition<I>): ToolSpec {
  return { ...definition, run: async (client, args) => (await definition.run(client, args as z.infer<z.ZodObject<I>>)) as Json };
}

export const TOOLS: ToolSpec[] = [
  tool({
    name: 'whoami',
    title: 'Who am I',
    description:
      'Describe the credential this MCP connection uses: the principal (a user, a service account or the org), the organization, the token (id, name, display prefix) and its effective scopes right now. Call this first to learn what the other tools will allow.',
    input: {},
    output: S.Me,
    annotations: read,
    run: (lk) => lk.me(),
  }),
  tool({
    name: 'list_scopes',
    title: 'List scopes',
    description:
      "List the organization's scope catalogue (every permission string that can be granted, e.g. issues:read), each with its category and description, also grouped by category. Use it to pick scopes for create_token, create_service_account, issue_service_account_token and issue_team_token.",
    input: {},
    output: S.ScopeCatalogue,
    annotations: read,
    run: (lk) => lk.apiTokens.scopes(),
  }),
  tool({
    name: 'list_tokens',
    title: 'List my personal tokens',
    description:
      "List the caller's own personal access tokens (never their secrets): id, name, display prefix, scopes, expiry, last use and status (active, revoked, expired). Needs tokens:read. Paginated: pass the returned nextCursor as cursor for the next page. For every token in the organization use list_org_tokens.",
    input: { ...S.Paging, status: z.enum(['active', 'revoked', 'expired']).optional().describe('Only tokens with this status') },
    output: S.page(S.Token),
    annotations: read,
    run: (lk, a) => lk.apiTokens.list(a).page(),
  }),
  tool({
    name: 'create_token',
    title: 'Create a personal token',
    description:
      "Mint a new personal access token for the caller's own user. Without scopes it inherits everything the user can do; with scopes it is narrowed to them (it can never exceed the caller). Name must be unique among the user's live tokens. Needs tokens:manage. The plaintext is returned once, in this result only.",
    input: {
      name: S.Name.describe('A name that says where the token will be used, e.g. "ci on laptop"'),
      scopes: S.Scopes.optional(),
      resources: S.Resources,
      expiresIn: S.ExpiresIn,
      expiresAt: S.ExpiresAt,
    },
    output: S.MintedToken,
    annotations: create,
    mints: true,
    run: (lk, a) => lk.apiTokens.create(a),
  }),
  tool({
    name: 'roll_token',
    title: 'Roll (rotate) a token',
    description:
      'Rotate a token: it keeps its id, name and permissions and gets a new secret; the old secret stops working at once, or after gracePeriodSeconds. By default the token must be one of your own personal tokens (needs tokens:manage); set orgWide to roll any token in the organization (org API keys, service-account and team tokens, other members\' tokens), which needs tokens:admin. The new plaintext is returned once, in this result only.',
    input: {
      id: S.Id.describe('The token id (tok_…), from list_tokens or list_org_tokens'),
      gracePeriodSeconds: z.number().int().min(0).max(86_400).optional().describe('Keep the old secret valid this many seconds (at most 86400) for a zero-downtime roll-out'),
      orgWide: z.boolean().optional().describe('Roll a token that is not one of your own personal tokens (needs tokens:admin)'),
    },
    output: S.MintedToken,
    annotations: { ...destroy, idempotentHint: false },
    mints: true,
    run: (lk, { id, orgWide, ...options }) => (orgWide ? lk.tokens : lk.apiTokens).roll(id, options),
  }),
  tool({
    name: 'revoke_token',
    title: 'Revoke a token',
    description:
      "Revoke a token immediately and permanently: the next request with it is refused. It stays listed with status revoked and cannot be re-activated. By default the token must be one of your own personal tokens (needs tokens:manage); set orgWide to revoke any token in the organization (needs tokens:admin).",
    input: {
      id: S.Id.describe('The token id (tok_…), from list_tokens or list_org_tokens'),
      orgWide: z.boolean().optional().describe('Revoke a token that is not one of your own personal tokens (needs tokens:admin)'),
    },
    output: S.Token,
    annotations: destroy,
    run: (lk, { id, orgWide }) => (orgWide ? lk.tokens : lk.apiTokens).revoke(id),
  }),
  tool({
    name: 'list_org_tokens',
    title: 'List every token in the organization',
    description:
      "List every token in the organization (administrators, tokens:admin): personal tokens of all members, org API keys, service-account and team tokens, never their secrets. Filter by kind, status, owner (a user or service-account id) or team. Paginated with cursor.",
    input: {
      ...S.Paging,
      kind: z.enum(['personal', 'service']).optional().describe('personal = acts as a user; service = org API keys, service-account and team tokens'),
      status: z.enum(['active', 'revoked', 'expired']).optional(),
      owner: S.Id.optional().describe('Only tokens owned by this user (usr_…) or service account (sa_…)'),
      team: S.Id.optional().describe('Only tokens issued by or attached to this team (team_…)'),
    },
    output: S.page(S.Token),
    annotations: read,
    run: (lk, a) => lk.tokens.list(a).page(),
  }),
  tool({
    name: 'list_service_accounts',
    title: 'List service accounts',
    description:
      'List the service accounts of the organization: machine principals not tied to a person, with the scopes their tokens can hold at most. Needs service_accounts:read. Paginated with cursor.',
    input: { ...S.Paging },
    output: S.page(S.ServiceAccount),
    annotations: read,
    run: (lk, a) => lk.serviceAccounts.list(a).page(),
  }),
  tool({
    name: 'create_service_account',
    title: 'Create a service account',
    description:
      'Create a service account (a machine identity that survives member churn) with the scopes its tokens may hold, optionally limited to resources. The scopes cannot exceed the caller\'s. Needs service_accounts:manage. Issue its tokens with issue_service_account_token.',
    input: { name: S.Name.describe('Unique name, e.g. "deployer"'), scopes: S.Scopes, resources: S.Resources },
    output: S.ServiceAccount,
    annotations: create,
    run: (lk, a) => lk.serviceAccounts.create(a),
  }),
  tool({
    name: 'issue_service_account_token',
    title: 'Issue a service-account token',
    description:
      "Issue a new token for a service account. Without scopes it gets the account's scopes; with scopes it is narrowed to them, fixed at issuance. Needs service_accounts:manage. The plaintext is returned once, in this result only.",
    input: {
      serviceAccountId: S.Id.describe('The service account id (sa_…), from list_service_accounts'),
      name: S.Name.describe('Token name, unique within the account, e.g. "pipeline"'),
      scopes: S.Scopes.optional(),
      expiresIn: S.ExpiresIn,
      expiresAt: S.ExpiresAt,
    },
    output: S.MintedToken,
    annotations: create,
    mints: true,
    run: (lk, { serviceAccountId, ...input }) => lk.serviceAccounts.issueToken(serviceAccountId, input),
  }),
  tool({
    name: 'delete_service_account',
    title: 'Delete a service account',
    description: 'Delete a service account and revoke every one of its tokens at once. Needs service_accounts:manage. This cannot be undone; the result says how many tokens were revoked.',
    input: { serviceAccountId: S.Id.describe('The service account id (sa_…)') },
    output: S.Deleted,
    annotations: destroy,
    run: (lk, { serviceAccountId }) => lk.serviceAccounts.delete(serviceAccountId),
  }),
  tool({
    name: 'list_teams',
    title: 'List teams',
    description: 'List the teams of the organization that the caller can read (id, name; teams:read, org-wide or in a team). Paginated with cursor.',
    input: { ...S.Paging },
    output: S.page(S.Team),
    annotations: read,
    run: (lk, a) => lk.teams.list(a).page(),
  }),
  tool({
    name: 'create_team',
    title: 'Create a team',
    description: 'Create a team (a group inside the organization whose members and tokens hold team-limited grants). Needs teams:manage.',
    input: { name: S.Name.describe('Unique team name, e.g. "platform"') },
    output: S.Team,
    annotations: create,
    run: (lk, a) => lk.teams.create(a),
  }),
  tool({
    name: 'issue_team_token',
    title: 'Issue a team token',
    description:
      "Issue a new service token owned by a team, holding the given scopes within that team (never more than the caller holds there). It takes one seat from the organization's pool. Needs team:manage in that team. The plaintext is returned once, in this result only.",
    input: {
      teamId: S.Id.describe('The team id (team_…), from list_teams'),
      name: S.Name.describe('Token name, e.g. "ci"'),
      scopes: S.Scopes,
      resources: S.Resources,
      expiresIn: S.ExpiresIn,
      expiresAt: S.ExpiresAt,
    },
    output: S.MintedToken,
    annotations: create,
    mints: true,
    run: (lk, { teamId, ...input }) => lk.teams.issueToken(teamId, input),
  }),
  tool({
    name: 'list_members',
    title: 'List members',
    description: 'List the members of the organization: user id, email, name, role and status (active or suspended). Needs members:read. Paginated with cursor.',
    input: { ...S.Paging },
    output: S.page(S.Member),
    annotations: read,
    run: (lk, a) => lk.members.list(a).page(),
  }),
  tool({
    name: 'search_audit_events',
    title: 'Search the audit log',
    description:
      'Search the organization\'s audit log, newest first: who did what (actor: a user, or a token by name and display prefix), to what, when, from which IP, with which request id. Filter by actor id, token id, action (exact, or a family such as "token.*"), target id and time range. Needs audit:read and a plan with the audit log. Paginated with cursor.',
    input: {
      ...S.Paging,
      actor: z.string().min(1).max(100).optional().describe('Only events by this actor id (usr_…, tok_…, sa_…)'),
      token: z.string().min(1).max(64).optional().describe('Only events by or about this token id (tok_…)'),
      action: z.string().min(1).max(100).optional().describe('An action such as token.minted, or a family such as token.*'),
      target: z.string().min(1).max(64).optional().describe('Only events whose target has this id'),
      since: z.iso.datetime({ offset: true }).optional().describe('Only events at or after this ISO 8601 time'),
      until: z.iso.datetime({ offset: true }).optional().describe('Only events before this ISO 8601 time'),
    },
    output: S.page(S.AuditEvent),
    annotations: read,
    run: (lk, a) => lk.audit.list(a).page(),
  }),
  tool({
    name: 'verify_token',
    title: 'Verify a token',
    description:
      'Check whether a token is valid and, optionally, whether it may use a scope on a resource in a team, exactly as a host API would (needs tokens:verify). The answer has valid, allowed and a code: VALID, NOT_FOUND, MALFORMED, REVOKED, EXPIRED, SUSPENDED, FORBIDDEN, RATE_LIMITED or IP_NOT_ALLOWED. The token itself is never echoed back.',
    input: {
      token: z.string().min(1).max(1024).describe('The token to check (its plaintext)'),
      scope: z.string().min(1).max(100).optional().describe('The scope the token wants to use, e.g. issues:read'),
      resource: z.string().min(1).max(200).optional().describe('The resource id it wants to use it on'),
      team: z.string().min(1).max(64).optional().describe('The team (team_…) the use happens in'),
      ip: z.string().min(2).max(45).optional().describe("The caller's IP address, for tokens limited to IP ranges"),
    },
    output: S.VerifyResult,
    annotations: read,
    run: (lk, a) => lk.verify(a),
  }),
];

export { ONCE as SHOWN_ONCE_NOTE };
