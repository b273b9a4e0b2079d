// HTTP adapter for teams, their members and their tokens.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { Expiry, GrantBody, IdOf, IdParams, listOf, ListQuery, MintedTokenSchema, Name, Nullable, TokenSchema } from '../http/schemas.js';
import {
  addTeamMember,
  attachTeamToken,
  createTeam,
  deleteTeam,
  detachTeamToken,
  getTeam,
  issueTeamToken,
  listTeamMembers,
  listTeams,
  listTeamTokens,
  removeTeamMember,
  renameTeam,
  updateTeamMember,
} from './service.js';

const tags = ['Teams'];
const Team = Type.Object({ id: Type.String(), name: Type.String(), createdAt: Type.String() });
const TeamMember = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  resources: Nullable(Type.Array(Type.String())),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
const TeamParams = IdParams('team');
const MemberParams = Type.Object({ id: IdOf("The team's id"), userId: IdOf("The member's user id") }, { additionalProperties: false });
const TokenParams = Type.Object({ id: IdOf("The team's id"), tokenId: IdOf("The service token's id") }, { additionalProperties: false });
const NameBody = Type.Object({ name: Name }, { additionalProperties: false, examples: [{ name: 'platform' }] });
const GrantExample = { scopes: ['issues:read'], resources: ['repo_1'] };

export const teamRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/teams',
    {
      schema: {
        operationId: 'listTeams',
        tags,
        summary: 'List teams',
        description: 'Every team with `teams:read` org-wide; otherwise the teams where the caller holds `teams:read` through a team grant.',
        [REQUIRED_SCOPE]: 'teams:read',
        querystring: ListQuery,
        response: { 200: listOf(Team) },
      },
    },
    (request) => listTeams(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/teams',
    {
      schema: { operationId: 'createTeam', tags, summary: 'Create a team', description: 'Names are unique in the org.', [REQUIRED_SCOPE]: 'teams:manage', body: NameBody, response: { 201: Team } },
    },
    async (request, reply) => reply.code(201).send(await createTeam(deps, ctxOf(request), request.body)),
  );

  app.get(
    '/v1/teams/:id',
    { schema: { operationId: 'getTeam', tags, summary: 'Get a team', description: 'Its id, name and creation time.', [REQUIRED_SCOPE]: 'teams:read', params: TeamParams, response: { 200: Team } } },
    (request) => getTeam(deps, ctxOf(request), request.params.id),
  );

  app.patch(
    '/v1/teams/:id',
    {
      schema: { operationId: 'updateTeam', tags, summary: 'Rename a team', description: 'Grants and tokens stay as they are.', [REQUIRED_SCOPE]: 'teams:manage', params: TeamParams, body: NameBody, response: { 200: Team } },
    },
    (request) => renameTeam(deps, ctxOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/teams/:id',
    {
      schema: {
        operationId: 'deleteTeam',
        tags,
        summary: 'Delete a team',
        description: 'Removes its member grants and token attachments (freeing their seats) and revokes the tokens it issued, in one transaction.',
        [REQUIRED_SCOPE]: 'teams:manage',
        params: TeamParams,
        response: { 200: Type.Object({ deleted: Type.Boolean(), revokedTokens: Type.Integer(), detachedTokens: Type.Integer() }) },
      },
    },
    (request) => deleteTeam(deps, ctxOf(request), request.params.id),
  );

  app.get(
    '/v1/teams/:id/members',
    {
      schema: {
        operationId: 'listTeamMembers',
        tags,
        summary: "List a team's members",
        description: 'Each with their grant in the team.',
        [REQUIRED_SCOPE]: 'teams:read',
        params: TeamParams,
        querystring: ListQuery,
        response: { 200: listOf(TeamMember) },
      },
    },
    (request) => listTeamMembers(deps, ctxOf(request), request.params.id, request.query),
  );

  app.post(
    '/v1/teams/:id/members',
    {
      schema: {
        operationId: 'addTeamMember',
        tags,
        summary: 'Add a member to a team',
        description: 'An org member joins the team with a grant (scopes, optionally limited to resources), which must be within your own permissions.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: TeamParams,
        body: Type.Object({ userId: IdOf('The org member to add'), ...GrantBody }, { additionalProperties: false, examples: [{ userId: 'usr_01M8AKA05P0001TZMCdmI159', ...GrantExample }] }),
        response: { 201: TeamMember },
      },
    },
    async (request, reply) => reply.code(201).send(await addTeamMember(deps, ctxOf(request), request.params.id, request.body)),
  );

  app.patch(
    '/v1/teams/:id/members/:userId',
    {
      schema: {
        operationId: 'updateTeamMember',
        tags,
        summary: "Change a member's grant in a team",
        description: 'The new grant replaces the old one and takes effect on the member’s next request.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: MemberParams,
        body: Type.Object(GrantBody, { additionalProperties: false, examples: [GrantExample] }),
        response: { 200: TeamMember },
      },
    },
    (request) => updateTeamMember(deps, ctxOf(request), request.params.id, request.params.userId, request.body),
  );

  app.delete(
    '/v1/teams/:id/members/:userId',
    {
      schema: {
        operationId: 'removeTeamMember',
        tags,
        summary: 'Remove a member from a team',
        description: 'Their grant in the team ends on their next request; their org membership stays.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: MemberParams,
        response: { 200: Type.Object({ removed: Type.Boolean() }) },
      },
    },
    (request) => removeTeamMember(deps, ctxOf(request), request.params.id, request.params.userId),
  );

  app.get(
    '/v1/teams/:id/tokens',
    {
      schema: {
        operationId: 'listTeamTokens',
        tags,
        summary: "List a team's tokens",
        description: 'Tokens the team issued and service tokens attached to it. Never shows a secret.',
        [REQUIRED_SCOPE]: 'teams:read',
        params: TeamParams,
        querystring: ListQuery,
        response: { 200: listOf(TokenSchema) },
      },
    },
    (request) => listTeamTokens(deps, ctxOf(request), request.params.id, request.query),
  );

  app.post(
    '/v1/teams/:id/tokens',
    {
      schema: {
        operationId: 'createTeamToken',
        tags,
        summary: 'Issue a team token',
        description: 'A service token owned by the team with a grant in it; it takes a seat. The secret is in `token`, shown once.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: TeamParams,
        body: Type.Object({ name: Name, ...GrantBody, ...Expiry }, { additionalProperties: false, examples: [{ name: 'ci', scopes: ['issues:read'], expiresIn: '90d' }] }),
        response: { 201: MintedTokenSchema },
      },
    },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await issueTeamToken(deps, ctxOf(request), request.params.id, request.body)),
  );

  app.put(
    '/v1/teams/:id/tokens/:tokenId',
    {
      schema: {
        operationId: 'attachTeamToken',
        tags,
        summary: 'Attach a service token to a team',
        description: 'An existing service token gets a grant in the team (a new attachment takes a seat); attaching it again changes the grant.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: TokenParams,
        body: Type.Object(GrantBody, { additionalProperties: false, examples: [GrantExample] }),
        response: { 200: TokenSchema },
      },
    },
    (request) => attachTeamToken(deps, ctxOf(request), request.params.id, request.params.tokenId, request.body),
  );

  app.delete(
    '/v1/teams/:id/tokens/:tokenId',
    {
      schema: {
        operationId: 'detachTeamToken',
        tags,
        summary: 'Detach a token from a team',
        description: 'Frees its seat; its grant in the team ends on its next request.',
        [REQUIRED_SCOPE]: 'team:manage',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => detachTeamToken(deps, ctxOf(request), request.params.id, request.params.tokenId),
  );
};
