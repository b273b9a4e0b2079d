// HTTP adapter for members and invitations.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { Email, IdOf, listOf, ListQuery, Nullable, StringEnum } from '../http/schemas.js';
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

const Role = Type.String({ minLength: 1, maxLength: 50, description: 'A role name (see GET /v1/roles), at most your own' });
const UserParams = Type.Object({ userId: IdOf("The member's user id") }, { additionalProperties: false });

export const memberRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/members',
    {
      schema: {
        operationId: 'listMembers',
        tags,
        summary: 'List members',
        description: 'Everyone in the org with their role and status.',
        [REQUIRED_SCOPE]: 'members:read',
        querystring: ListQuery,
        response: { 200: listOf(Member) },
      },
    },
    (request) => listMembers(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/members',
    {
      schema: {
        operationId: 'addMember',
        tags,
        summary: 'Add a member by email',
        description:
          'An existing user joins at once with the role. Anyone else gets an invitation, and its `inviteToken` is returned once, to pass to POST /v1/auth/accept-invite. Either way a seat is taken.',
        [REQUIRED_SCOPE]: 'members:manage',
        body: Type.Object({ email: Email, role: Role }, { additionalProperties: false, examples: [{ email: 'ada@example.com', role: 'member' }] }),
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

  app.get(
    '/v1/members/:userId',
    {
      schema: { operationId: 'getMember', tags, summary: 'Get a member', description: 'Their role and status in this org.', [REQUIRED_SCOPE]: 'members:read', params: UserParams, response: { 200: Member } },
    },
    (request) => getMember(deps, ctxOf(request), request.params.userId),
  );

  app.patch(
    '/v1/members/:userId',
    {
      schema: {
        operationId: 'updateMember',
        tags,
        summary: "Change a member's role or status",
        description:
          'Takes effect on their next request, tokens included: a downgrade narrows every token of theirs at once, and suspending them makes their tokens fail until they are active again. Nobody gives a role above their own.',
        [REQUIRED_SCOPE]: 'members:manage',
        params: UserParams,
        body: Type.Object(
          { role: Type.Optional(Role), status: Type.Optional(StringEnum(['active', 'suspended'], { description: 'Suspend the member, or make them active again' })) },
          { additionalProperties: false, minProperties: 1, examples: [{ role: 'viewer' }] },
        ),
        response: { 200: Member },
      },
    },
    (request) => updateMember(deps, ctxOf(request), request.params.userId, request.body),
  );

  app.delete(
    '/v1/members/:userId',
    {
      schema: {
        operationId: 'removeMember',
        tags,
        summary: 'Remove a member',
        description: 'Revokes their personal tokens in this org and drops their team grants, in one transaction.',
        [REQUIRED_SCOPE]: 'members:manage',
        params: UserParams,
        response: { 200: Type.Object({ removed: Type.Boolean(), revokedTokens: Type.Integer({ description: 'How many of their tokens were revoked' }) }) },
      },
    },
    async (request) => ({ removed: true, ...(await removeMember(deps, ctxOf(request), request.params.userId)) }),
  );
};
