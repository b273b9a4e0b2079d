// HTTP adapter for members and invitations.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { Email, Id, listOf, ListQuery, Nullable } from '../http/schemas.js';
import { addMember, getMember, listMembers, removeMember, updateMember } from './service.js';

const tags = ['Members'];

const Member = Type.Object({
  userId: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Invitation = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Type.String(),
  status: Type.Literal('invited'),
  expiresAt: Type.String(),
  createdAt: Type.String(),
});

const Role = Type.String({ minLength: 1, maxLength: 50 });
const UserParams = Type.Object({ userId: Id }, { additionalProperties: false });

export const memberRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/members', { schema: { operationId: 'listMembers', tags, summary: 'List members', querystring: ListQuery, response: { 200: listOf(Member) } } }, (request) =>
    listMembers(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/members',
    {
      schema: {
        operationId: 'addMember', tags,
        summary: 'Add a user by email: an existing user joins at once, anyone else gets an invitation',
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false }),
        response: {
          201: Type.Object({
            member: Nullable(Member),
            invitation: Nullable(Invitation),
            inviteToken: Nullable(Type.String({ description: 'Shown once; pass to POST /v1/auth/accept-invite' })),
          }),
        },
      },
    },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await addMember(deps, ctxOf(request), request.body)),
  );

  app.get('/v1/members/:userId', { schema: { operationId: 'getMember', tags, summary: 'One member', params: UserParams, response: { 200: Member } } }, (request) =>
    getMember(deps, ctxOf(request), request.params.userId),
  );

  app.patch(
    '/v1/members/:userId',
    {
      schema: {
        operationId: 'updateMember', tags,
        summary: 'Change role or status (suspended/active)',
        params: UserParams,
        body: Type.Object(
          { role: Type.Optional(Role), status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('suspended')])) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Member },
      },
    },
    (request) => updateMember(deps, ctxOf(request), request.params.userId, request.body),
  );

  app.delete(
    '/v1/members/:userId',
    { schema: { operationId: 'removeMember', tags, summary: "Remove a member (revokes their personal tokens in this org)", params: UserParams, response: { 200: Type.Object({ removed: Type.Boolean(), revokedTokens: Type.Integer() }) } } },
    async (request) => ({ removed: true, ...(await removeMember(deps, ctxOf(request), request.params.userId)) }),
  );
};
