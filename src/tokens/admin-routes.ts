// HTTP adapter for org-wide token administration.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { Expiry, Id, IdParams, listOf, ListQuery, MintedTokenSchema, Name, ResourceId, RollBody, Scope, TokenSchema } from '../http/schemas.js';
import { orgTokenUsage } from './usage.js';
import { UsageQuery, UsageSchema } from './usage-schemas.js';
import { createOrgApiKey, getOrgToken, listOrgTokens, revokeAllOrgTokens, revokeOrgToken, rollOrgToken } from './admin.js';

const tags = ['Org-wide tokens'];
const Kind = Type.Union([Type.Literal('personal'), Type.Literal('service')]);

const Filters = Type.Object(
  {
    ...ListQuery.properties,
    kind: Type.Optional(Kind),
    status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('revoked'), Type.Literal('expired')])),
    owner: Type.Optional(Id),
    team: Type.Optional(Id),
  },
  { additionalProperties: false },
);

const ApiKeyBody = Type.Object(
  {
    name: Name,
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200 })),
    resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200 })),
    ...Expiry,
  },
  { additionalProperties: false },
);

export const adminTokenRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/tokens', { schema: { operationId: 'listTokens', tags, summary: 'Every token in the org, filterable by kind, status, owner, team', querystring: Filters, response: { 200: listOf(TokenSchema) } } }, (request) =>
    listOrgTokens(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/tokens',
    { schema: { operationId: 'createToken', tags, summary: 'Create an org API key: a service token owned by the org, with a role (≤ yours) or scopes', body: ApiKeyBody, response: { 201: MintedTokenSchema } } },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await createOrgApiKey(deps, ctxOf(request), request.body)),
  );

  app.post(
    '/v1/tokens/revoke-all',
    {
      schema: {
        operationId: 'revokeAllTokens', tags,
        summary: 'Mass revocation: every live token in the org (optionally one kind), in one transaction',
        body: Type.Optional(Type.Union([Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false }), Type.Null()])),
        response: { 200: Type.Object({ revoked: Type.Integer() }) },
      },
    },
    (request) => revokeAllOrgTokens(deps, ctxOf(request), request.body ?? {}),
  );

  app.get('/v1/tokens/:id', { schema: { operationId: 'getToken', tags, summary: 'Any token in the org', params: IdParams, response: { 200: TokenSchema } } }, (request) =>
    getOrgToken(deps, ctxOf(request), request.params.id),
  );

  app.get(
    '/v1/tokens/:id/usage',
    { schema: { operationId: 'getTokenUsage', tags, summary: "Any token's uses per day (zeros included) and its last five distinct IPs", params: IdParams, querystring: UsageQuery, response: { 200: UsageSchema } } },
    (request) => orgTokenUsage(deps, ctxOf(request), request.params.id, request.query.days),
  );

  app.post('/v1/tokens/:id/roll', { schema: { operationId: 'rollToken', tags, summary: 'Roll any token in the org', params: IdParams, body: RollBody, response: { 200: MintedTokenSchema } } }, async (request, reply) =>
    reply.header('Cache-Control', 'no-store').send(await rollOrgToken(deps, ctxOf(request), request.params.id, request.body?.gracePeriodSeconds ?? 0)),
  );

  app.delete('/v1/tokens/:id', { schema: { operationId: 'revokeToken', tags, summary: 'Revoke any token in the org', params: IdParams, response: { 200: TokenSchema } } }, (request) =>
    revokeOrgToken(deps, ctxOf(request), request.params.id),
  );
};
