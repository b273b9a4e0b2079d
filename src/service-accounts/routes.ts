// HTTP adapter for service accounts and their tokens.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { Expiry, GrantBody, GrantSchema, IdOf, IdParams, listOf, ListQuery, MintedTokenSchema, Name, Nullable, ResourceId, RollBody, Scope, TokenSchema } from '../http/schemas.js';
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

const AccountParams = IdParams('service account');
const TokenParams = Type.Object({ id: IdOf("The service account's id"), tokenId: IdOf("The token's id") }, { additionalProperties: false });

export const serviceAccountRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/service-accounts',
    {
      schema: {
        operationId: 'listServiceAccounts',
        tags,
        summary: 'List service accounts',
        description: 'Every service account of the org with its grants.',
        [REQUIRED_SCOPE]: 'service_accounts:read',
        querystring: ListQuery,
        response: { 200: listOf(ServiceAccount) },
      },
    },
    (request) => listServiceAccounts(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/service-accounts',
    {
      schema: {
        operationId: 'createServiceAccount',
        tags,
        summary: 'Create a service account',
        description: 'A machine principal with a grant (scopes, optionally limited to resources) within your own permissions; it survives member churn.',
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        body: Type.Object({ name: Name, ...GrantBody }, { additionalProperties: false, examples: [{ name: 'deployer', scopes: ['issues:read'] }] }),
        response: { 201: ServiceAccount },
      },
    },
    async (request, reply) => reply.code(201).send(await createServiceAccount(deps, ctxOf(request), { ...request.body, resources: request.body.resources ?? undefined })),
  );

  app.get(
    '/v1/service-accounts/:id',
    {
      schema: {
        operationId: 'getServiceAccount',
        tags,
        summary: 'Get a service account',
        description: 'Its name and current grants.',
        [REQUIRED_SCOPE]: 'service_accounts:read',
        params: AccountParams,
        response: { 200: ServiceAccount },
      },
    },
    (request) => getServiceAccount(deps, ctxOf(request), request.params.id),
  );

  app.patch(
    '/v1/service-accounts/:id',
    {
      schema: {
        operationId: 'updateServiceAccount',
        tags,
        summary: 'Rename a service account or change its grants',
        description: 'Narrowing the account narrows its tokens at once; widening it never widens tokens issued before.',
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        params: AccountParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200, description: 'The new scopes, each within your own permissions' })),
            resources: Type.Optional(Nullable(Type.Array(ResourceId, { minItems: 1, maxItems: 200, description: 'Limit the scopes to these resource ids; null = any resource' }))),
          },
          { additionalProperties: false, minProperties: 1, examples: [{ scopes: ['issues:read', 'machines:read'] }] },
        ),
        response: { 200: ServiceAccount },
      },
    },
    (request) => updateServiceAccount(deps, ctxOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/service-accounts/:id',
    {
      schema: {
        operationId: 'deleteServiceAccount',
        tags,
        summary: 'Delete a service account',
        description: 'Revokes all its tokens in the same transaction.',
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        params: AccountParams,
        response: { 200: Type.Object({ deleted: Type.Boolean(), revokedTokens: Type.Integer({ description: 'How many of its tokens were revoked' }) }) },
      },
    },
    (request) => deleteServiceAccount(deps, ctxOf(request), request.params.id),
  );

  app.get(
    '/v1/service-accounts/:id/tokens',
    {
      schema: {
        operationId: 'listServiceAccountTokens',
        tags,
        summary: "List a service account's tokens",
        description: 'Newest first, revoked and expired ones included. Never shows a secret.',
        [REQUIRED_SCOPE]: 'service_accounts:read',
        params: AccountParams,
        querystring: ListQuery,
        response: { 200: listOf(TokenSchema) },
      },
    },
    (request) => listServiceAccountTokens(deps, ctxOf(request), request.params.id, request.query),
  );

  app.post(
    '/v1/service-accounts/:id/tokens',
    {
      schema: {
        operationId: 'createServiceAccountToken',
        tags,
        summary: 'Issue a token for a service account',
        description: "Its scopes default to the account's and can only narrow them; the account's later narrowing narrows it too. The secret is in `token`, shown once.",
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        params: AccountParams,
        body: Type.Object(
          {
            name: Name,
            scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200, description: "Narrow the token to these of the account's scopes" })),
            resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200, description: 'Limit the scopes to these resource ids' })),
            ...Expiry,
          },
          { additionalProperties: false, examples: [{ name: 'pipeline', expiresIn: '90d' }] },
        ),
        response: { 201: MintedTokenSchema },
      },
    },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await issueServiceAccountToken(deps, ctxOf(request), request.params.id, request.body)),
  );

  app.post(
    '/v1/service-accounts/:id/tokens/:tokenId/roll',
    {
      schema: {
        operationId: 'rollServiceAccountToken',
        tags,
        summary: "Roll one of a service account's tokens",
        description: 'A new secret for the same id, shown once in `token`; the old value stops at once or after `gracePeriodSeconds`. The caller must hold everything the token can do.',
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        params: TokenParams,
        body: RollBody,
        response: { 200: MintedTokenSchema },
      },
    },
    async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await rollServiceAccountToken(deps, ctxOf(request), request.params.id, request.params.tokenId, request.body?.gracePeriodSeconds ?? 0)),
  );

  app.delete(
    '/v1/service-accounts/:id/tokens/:tokenId',
    {
      schema: {
        operationId: 'revokeServiceAccountToken',
        tags,
        summary: "Revoke one of a service account's tokens",
        description: 'Immediate and permanent: the next request with it gets 401.',
        [REQUIRED_SCOPE]: 'service_accounts:manage',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => revokeServiceAccountToken(deps, ctxOf(request), request.params.id, request.params.tokenId),
  );
};
