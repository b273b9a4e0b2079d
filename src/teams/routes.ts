// HTTP adapter for teams, their members and their tokens.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { Expiry, GrantBody, Id, IdParams, listOf, ListQuery, MintedTokenSchema, Name, Nullable, TokenSchema } from '../http/schemas.js';
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
const MemberParams = Type.Object({ id: Id, userId: Id }, { additionalProperties: false });
const TokenParams = Type.Object({ id: Id, tokenId: Id }, { additionalProperties: false });
const NameBody = Type.Object({ name: Name }, { additionalProperties: false });

export const teamRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/teams', { schema: { operationId: 'listTeams', tags, summary: 'Teams the caller can read', querystring: ListQuery, response: { 200: listOf(Team) } } }, (request) =>
    listTeams(deps, ctxOf(request), request.query),
  );
  app.post('/v1/teams', { schema: { operationId: 'createTeam', tags, summary: 'Create a team', body: NameBody, response: { 201: Team } } }, async (request, reply) =>
    reply.code(201).send(await createTeam(deps, ctxOf(request), request.body)),
  );
  app.get('/v1/teams/:id', { schema: { operationId: 'getTeam', tags, summary: 'One team', params: IdParams, response: { 200: Team } } }, (request) => getTeam(deps, ctxOf(request), request.params.id));
  app.patch('/v1/teams/:id', { schema: { operationId: 'updateTeam', tags, summary: 'Rename a team', params: IdParams, body: NameBody, response: { 200: Team } } }, (request) =>
    renameTeam(deps, ctxOf(request), request.params.id, request.body),
  );
  app.delete(
    '/v1/teams/:id',
    {
      schema: {
        operationId: 'deleteTeam', tags,
        summary: 'Delete a team: removes member grants and attachments, revokes the tokens it issued',
        params: IdParams,
        response: { 200: Type.Object({ deleted: Type.Boolean(), revokedTokens: Type.Integer(), detachedTokens: Type.Integer() }) },
      },
    },
    (request) => deleteTeam(deps, ctxOf(request), request.params.id),
  );

  app.get('/v1/teams/:id/members', { schema: { operationId: 'listTeamMembers', tags, summary: "The team's members and their grants", params: IdParams, querystring: ListQuery, response: { 200: listOf(TeamMember) } } }, (request) =>
    listTeamMembers(deps, ctxOf(request), request.params.id, request.query),
  );
  app.post(
    '/v1/teams/:id/members',
    { schema: { operationId: 'addTeamMember', tags, summary: 'Add an org member to the team with a grant', params: IdParams, body: Type.Object({ userId: Id, ...GrantBody }, { additionalProperties: false }), response: { 201: TeamMember } } },
    async (request, reply) => reply.code(201).send(await addTeamMember(deps, ctxOf(request), request.params.id, request.body)),
  );
  app.patch(
    '/v1/teams/:id/members/:userId',
    { schema: { operationId: 'updateTeamMember', tags, summary: "Change a member's grant in the team", params: MemberParams, body: Type.Object(GrantBody, { additionalProperties: false }), response: { 200: TeamMember } } },
    (request) => updateTeamMember(deps, ctxOf(request), request.params.id, request.params.userId, request.body),
  );
  app.delete('/v1/teams/:id/members/:userId', { schema: { operationId: 'removeTeamMember', tags, summary: 'Remove a member from the team', params: MemberParams, response: { 200: Type.Object({ removed: Type.Boolean() }) } } }, (request) =>
    removeTeamMember(deps, ctxOf(request), request.params.id, request.params.userId),
  );

  app.get('/v1/teams/:id/tokens', { schema: { operationId: 'listTeamTokens', tags, summary: 'Tokens issued by or attached to the team', params: IdParams, querystring: ListQuery, response: { 200: listOf(TokenSchema) } } }, (request) =>
    listTeamTokens(deps, ctxOf(request), request.params.id, request.query),
  );
  app.post(
    '/v1/teams/:id/tokens',
    { schema: { operationId: 'createTeamToken', tags, summary: 'Issue a new team token (takes a seat)', params: IdParams, body: Type.Object({ name: Name, ...GrantBody, ...Expiry }, { additionalProperties: false }), response: { 201: MintedTokenSchema } } },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await issueTeamToken(deps, ctxOf(request), request.params.id, request.body)),
  );
  app.put(
    '/v1/teams/:id/tokens/:tokenId',
    { schema: { operationId: 'attachTeamToken', tags, summary: 'Attach an existing service token with a grant (takes a seat), or change its grant', params: TokenParams, body: Type.Object(GrantBody, { additionalProperties: false }), response: { 200: TokenSchema } } },
    (request) => attachTeamToken(deps, ctxOf(request), request.params.id, request.params.tokenId, request.body),
  );
  app.delete('/v1/teams/:id/tokens/:tokenId', { schema: { operationId: 'detachTeamToken', tags, summary: 'Detach a token from the team (frees its seat)', params: TokenParams, response: { 200: TokenSchema } } }, (request) =>
    detachTeamToken(deps, ctxOf(request), request.params.id, request.params.tokenId),
  );
};
