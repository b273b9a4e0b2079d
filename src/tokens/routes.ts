// HTTP adapter for personal access tokens and /v1/verify.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { StringEnum, Expiry, GrantSchema, IdParams, RollBody, listOf, ListQuery, MintedTokenSchema, Name, Nullable, OrgRefSchema, PrincipalSchema, ResourceId, Scope, TokenSchema } from '../http/schemas.js';
import {
  getPersonalToken,
  listPersonalTokens,
  mintPersonalToken,
  revokeAllPersonalTokens,
  revokePersonalToken,
  rollPersonalToken,
} from './service.js';
import { verifyToken } from './verify.js';

const tags = ['Personal access tokens'];

const MintBody = Type.Object(
  {
    name: Name,
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 200 })),
    resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200 })),
    ...Expiry,
  },
  { additionalProperties: false },
);

const ListTokensQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(StringEnum(['active', 'revoked', 'expired'])),
  },
  { additionalProperties: false },
);

export const VerifyBody = Type.Object(
  {
    token: Type.String({ maxLength: 1024, description: 'The token to check (its plaintext is never logged or echoed)' }),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    ip: Type.Optional(Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$' })),
  },
  { additionalProperties: false },
);

export const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: StringEnum(['VALID', 'NOT_FOUND', 'MALFORMED', 'REVOKED', 'EXPIRED', 'SUSPENDED', 'FORBIDDEN', 'RATE_LIMITED', 'IP_NOT_ALLOWED']),
  allowed: Type.Boolean(),
  token: Nullable(
    Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), prefix: Type.String(), expiresAt: Nullable(Type.String()) }),
  ),
  principal: Nullable(PrincipalSchema),
  org: Nullable(OrgRefSchema),
  scopes: Type.Array(Type.String()),
  grants: Type.Array(GrantSchema),
});

export const tokenRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/api-tokens', { schema: { tags, summary: "The caller's personal tokens", querystring: ListTokensQuery, response: { 200: listOf(TokenSchema) } } }, (request) =>
    listPersonalTokens(deps, ctxOf(request), request.query),
  );

  app.post('/v1/api-tokens', { schema: { tags, summary: 'Mint a personal token', body: MintBody, response: { 201: MintedTokenSchema } } }, async (request, reply) => {
    const minted = await mintPersonalToken(deps, ctxOf(request), request.body);
    return reply.code(201).header('Cache-Control', 'no-store').send(minted);
  });

  app.get('/v1/api-tokens/:id', { schema: { tags, summary: 'One personal token (never its secret)', params: IdParams, response: { 200: TokenSchema } } }, (request) =>
    getPersonalToken(deps, ctxOf(request), request.params.id),
  );

  app.delete('/v1/api-tokens/:id', { schema: { tags, summary: 'Revoke a personal token', params: IdParams, response: { 200: TokenSchema } } }, (request) =>
    revokePersonalToken(deps, ctxOf(request), request.params.id),
  );

  app.post(
    '/v1/api-tokens/:id/roll',
    { schema: { tags, summary: 'Rotate: new secret, same id and name', params: IdParams, body: RollBody, response: { 200: MintedTokenSchema } } },
    async (request, reply) => {
      const rolled = await rollPersonalToken(deps, ctxOf(request), request.params.id, request.body?.gracePeriodSeconds ?? 0);
      return reply.header('Cache-Control', 'no-store').send(rolled);
    },
  );

  app.post(
    '/v1/api-tokens/revoke-all',
    { schema: { tags, summary: "Revoke all the caller's personal tokens", body: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()])), response: { 200: Type.Object({ revoked: Type.Integer() }) } } },
    (request) => revokeAllPersonalTokens(deps, ctxOf(request)),
  );

  app.post(
    '/v1/verify',
    { schema: { tags: ['Verification'], summary: 'Check a token and, optionally, a scope on a resource in a team', body: VerifyBody, response: { 200: VerifyResponse } } },
    (request) => verifyToken(deps, ctxOf(request), request.body),
  );
};

