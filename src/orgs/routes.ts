// HTTP adapter for the org: create (session only), read, change, seats.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { callMeta, ctxOf } from '../http/auth.js';
import { Name, Nullable, StringEnum } from '../http/schemas.js';
import { createOrg, getOrg, getSeats, listPlans, listUserOrgs, updateOrg } from './service.js';

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
    maxPersonalTokensPerUser: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 10_000 }))),
    requireExpiry: Type.Optional(Type.Boolean()),
    maxLifetimeDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 36_500 }))),
  },
  { additionalProperties: false },
);

export const orgRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.post(
    '/v1/orgs',
    {
      config: { auth: 'session' },
      schema: { operationId: 'createOrg', tags, summary: 'Create an org; the signed-in user becomes its owner (session only)', body: Type.Object({ name: Name }, { additionalProperties: false }), response: { 201: OrgSchema } },
    },
    async (request, reply) => {
      const session = request.session;
      if (!session) throw new AppError('unauthorized');
      const org = await createOrg(deps, callMeta(request), session.userId, request.body.name);
      return reply.code(201).send(org);
    },
  );

  app.get(
    '/v1/orgs',
    {
      config: { auth: 'session' },
      schema: {
        tags,
        operationId: 'listOrgs',
        summary: 'The orgs the signed-in person belongs to, with their role (session only)',
        response: {
          200: Type.Object({
            data: Type.Array(Type.Object({ id: Type.String(), name: Type.String(), plan: Type.String(), role: Type.String(), status: StringEnum(['active', 'suspended']) })),
            nextCursor: Type.Null(),
          }),
        },
      },
    },
    (request) => {
      if (!request.session) throw new AppError('unauthorized');
      return listUserOrgs(deps, request.session.userId);
    },
  );

  app.get(
    '/v1/plans',
    {
      schema: {
        tags,
        operationId: 'listPlans',
        summary: "The deployment's plans: seat limit and features",
        response: {
          200: Type.Object({
            data: Type.Array(Type.Object({ name: Type.String(), seatLimit: Nullable(Type.Integer()), features: Type.Object({ auditLog: Type.Boolean() }, { additionalProperties: true }) })),
            nextCursor: Type.Null(),
          }),
        },
      },
    },
    (request) => {
      ctxOf(request);
      return listPlans(deps);
    },
  );

  app.get('/v1/org', { schema: { operationId: 'getOrg', tags, summary: 'The current org: plan, seats, policy', response: { 200: OrgSchema } } }, (request) => getOrg(deps, ctxOf(request)));

  app.patch(
    '/v1/org',
    {
      schema: {
        operationId: 'updateOrg', tags,
        summary: 'Rename, change policy, or change plan (plan: session only)',
        body: Type.Object({ name: Type.Optional(Name), plan: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })), policy: Type.Optional(PolicyPatch) }, { additionalProperties: false }),
        response: { 200: OrgSchema },
      },
    },
    (request) => updateOrg(deps, ctxOf(request), request.body),
  );

  app.get('/v1/seats', { schema: { operationId: 'getSeats', tags, summary: 'Seat limit, used, breakdown', response: { 200: Seats } } }, (request) => getSeats(deps, ctxOf(request)));
};
