// HTTP adapter for the org: create (session only), read, change, seats.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { callMeta, ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { Name, Nullable } from '../http/schemas.js';
import { createOrg, getOrg, getSeats, updateOrg } from './service.js';

const tags = ['Organization'];

const Seats = Type.Object({
  limit: Nullable(Type.Integer()),
  used: Type.Integer(),
  available: Nullable(Type.Integer()),
  breakdown: Type.Object({ members: Type.Integer(), teamTokens: Type.Integer(), invitations: Type.Integer() }, { additionalProperties: true }),
});

const Policy = Type.Object({
  maxPersonalTokensPerUser: Nullable(Type.Integer()),
  requireExpiry: Type.Boolean(),
  maxLifetimeDays: Nullable(Type.Integer()),
});

const OrgSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  plan: Type.String(),
  policy: Policy,
  seats: Seats,
  features: Type.Object({ auditLog: Type.Boolean() }, { additionalProperties: true }),
  createdAt: Type.String(),
});

const PolicyPatch = Type.Object(
  {
    maxPersonalTokensPerUser: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Live personal tokens a person may hold; null = no cap' }))),
    requireExpiry: Type.Optional(Type.Boolean({ description: 'Every new token must expire' })),
    maxLifetimeDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 36_500, description: 'The longest lifetime a new token may have; null = no cap' }))),
  },
  { additionalProperties: false, description: 'Token policy; fields left out stay as they are' },
);

export const orgRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/v1/orgs',
    {
      config: { auth: 'session' },
      schema: {
        operationId: 'createOrg',
        tags,
        summary: 'Create an org',
        description: 'The signed-in person becomes its owner. Needs a session: no token can create an org (403 `session_required`).',
        body: Type.Object({ name: Name }, { additionalProperties: false, examples: [{ name: 'Acme' }] }),
        response: { 201: OrgSchema },
      },
    },
    async (request, reply) => {
      const session = request.session;
      if (!session) throw new AppError('unauthorized');
      const org = await createOrg(deps, callMeta(request), session.userId, request.body.name);
      return reply.code(201).send(org);
    },
  );

  app.get(
    '/v1/org',
    { schema: { operationId: 'getOrg', tags, summary: 'Get the current org', description: 'Its plan, seats, token policy and features.', [REQUIRED_SCOPE]: 'org:read', response: { 200: OrgSchema } } },
    (request) => getOrg(deps, ctxOf(request)),
  );

  app.patch(
    '/v1/org',
    {
      schema: {
        operationId: 'updateOrg',
        tags,
        summary: 'Change the current org',
        description: 'Rename it or change its token policy. Changing the plan (billing) needs a session: with a token it is 403 `session_required`, whatever the scopes.',
        [REQUIRED_SCOPE]: 'org:manage',
        body: Type.Object(
          { name: Type.Optional(Name), plan: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: 'A plan name (session only)' })), policy: Type.Optional(PolicyPatch) },
          { additionalProperties: false, examples: [{ policy: { requireExpiry: true, maxLifetimeDays: 90 } }] },
        ),
        response: { 200: OrgSchema },
      },
    },
    (request) => updateOrg(deps, ctxOf(request), request.body),
  );

  app.get(
    '/v1/seats',
    {
      schema: {
        operationId: 'getSeats',
        tags,
        summary: 'Get seat usage',
        description: 'The limit, how many are used, and by what: members, team tokens and open invitations.',
        [REQUIRED_SCOPE]: 'org:read',
        response: { 200: Seats },
      },
    },
    (request) => getSeats(deps, ctxOf(request)),
  );
};
