// HTTP adapter for service accounts and their tokens.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { Expiry, GrantBody, GrantSchema, Id, IdParams, listOf, ListQuery, MintedTokenSchema, Name, Nullable, ResourceId, RollBody, Scope, TokenSchema } from '../http/schemas.js';
import {
  createServiceAccount,
  deleteServiceAccount,
  getServiceAccount,
  issueServiceAccountToken,
  listServiceAccounts,
  listServiceAccountTokens,
  revokeServiceAccountToken,
  rollServiceAccountToken,
  updateServiceAccount,
} from './service.js';

const tags = ['Service accounts'];

const ServiceAccount = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  resources: Nullable(Type.Array(Type.String())),
  grants: Type.Array(GrantSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const TokenParams = Type.Object({ id: Id, tokenId: Id }, { additionalProperties: false });

export const serviceAccountRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get('/v1/service-accounts', { schema: { operationId: 'listServiceAccounts', tags, summary: 'List service accounts', querystring: ListQuery, response: { 200: listOf(ServiceAccount) } } }, (request) =>
    listServiceAccounts(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/service-accounts',
    { schema: { operationId: 'createServiceAccount', tags, summary: 'Create a service account with a grant', body: Type.Object({ name: Name, ...GrantBody }, { additionalProperties: false }), response: { 201: ServiceAccount } } },
    async (request, reply) => reply.code(201).send(await createServiceAccount(deps, ctxOf(request), { ...request.body, resources: request.body.resources ?? undefined })),
  );

  app.get('/v1/service-accounts/:id', { schema: { operationId: 'getServiceAccount', tags, summary: 'One service account', params: IdParams, response: { 200: ServiceAccount } } }, (request) =>
    getServiceAccount(deps, ctxOf(request), request.params.id),
  );

  app.patch(
    '/v1/service-accounts/:id',
    {
      schema: {
        operationId: 'updateServiceAccount', tags,
        summary: 'Rename or change grants (narrowing narrows its tokens at once; widening never widens existing tokens)',
        params: IdParams,
        body: Type.Object(
          { name: Type.Optional(Name), scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200 })), resources: Type.Optional(Nullable(Type.Array(ResourceId, { minItems: 1, maxItems: 200 }))) },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ServiceAccount },
      },
    },
    (request) => updateServiceAccount(deps, ctxOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/service-accounts/:id',
    { schema: { operationId: 'deleteServiceAccount', tags, summary: 'Delete a service account and revoke all its tokens', params: IdParams, response: { 200: Type.Object({ deleted: Type.Boolean(), revokedTokens: Type.Integer() }) } } },
    (request) => deleteServiceAccount(deps, ctxOf(request), request.params.id),
  );

  app.get('/v1/service-accounts/:id/tokens', { schema: { operationId: 'listServiceAccountTokens', tags, summary: "The account's tokens", params: IdParams, querystring: ListQuery, response: { 200: listOf(TokenSchema) } } }, (request) =>
    listServiceAccountTokens(deps, ctxOf(request), request.params.id, request.query),
  );

  app.post(
    '/v1/service-accounts/:id/tokens',
    {
      schema: {
        operationId: 'createServiceAccountToken', tags,
        summary: "Issue a token; its scopes default to the account's and can only narrow them",
        params: IdParams,
        body: Type.Object(
          { name: Name, scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200 })), resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200 })), ...Expiry },
          { additionalProperties: false },
        ),
        response: { 201: MintedTokenSchema },
      },
    },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await issueServiceAccountToken(deps, ctxOf(request), request.params.id, request.body)),
  );

  app.post(
    '/v1/service-accounts/:id/tokens/:tokenId/roll',
    { schema: { operationId: 'rollServiceAccountToken', tags, summary: "Roll one of the account's tokens", params: TokenParams, body: RollBody, response: { 200: MintedTokenSchema } } },
    async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await rollServiceAccountToken(deps, ctxOf(request), request.params.id, request.params.tokenId, request.body?.gracePeriodSeconds ?? 0)),
  );

  app.delete('/v1/service-accounts/:id/tokens/:tokenId', { schema: { operationId: 'revokeServiceAccountToken', tags, summary: "Revoke one of the account's tokens", params: TokenParams, response: { 200: TokenSchema } } }, (request) =>
    revokeServiceAccountToken(deps, ctxOf(request), request.params.id, request.params.tokenId),
  );
};
