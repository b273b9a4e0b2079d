// HTTP adapter for personal access tokens and /v1/verify.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { EmptyBody, StringEnum, Expiry, GrantSchema, IdParamsOf, RollBody, listOf, ListQuery, MintedTokenSchema, Name, Nullable, OrgRefSchema, PrincipalSchema, ResourceId, Scope, TokenSchema, Limits } from '../http/schemas.js';
import {
  getPersonalToken,
  listPersonalTokens,
  mintPersonalToken,
  revokeAllPersonalTokens,
  revokePersonalToken,
  rollPersonalToken,
} from './service.js';
import { verifyToken } from './verify.js';
import { personalTokenUsage } from './usage.js';
import { UsageQuery, UsageSchema } from './usage-schemas.js';

const tags = ['Personal access tokens'];
const TokenParams = IdParamsOf('personal token');

const MintBody = Type.Object(
  {
    name: Type.String({ ...Name, description: 'Unique among your live tokens' }),
    scopes: Type.Optional(Type.Array(Scope, { maxItems: 200, description: 'Narrow the token to these scopes; absent = everything you can do, now and later' })),
    resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200, description: 'Limit the scopes to these resource ids (needs scopes)' })),
    ...Expiry,
    ...Limits,
  },
  { additionalProperties: false, examples: [{ name: 'ci', scopes: ['tokens:read'], expiresIn: '30d' }] },
);

const ListTokensQuery = Type.Object(
  {
    ...ListQuery.properties,
    status: Type.Optional(StringEnum(['active', 'revoked', 'expired'], { description: 'Only tokens in this state' })),
  },
  { additionalProperties: false },
);

export const VerifyBody = Type.Object(
  {
    token: Type.String({ maxLength: 1024, description: 'The token to check (its plaintext is never logged or echoed)' }),
    scope: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Is the token allowed this scope? Absent = only check that it is valid' })),
    resource: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The resource id the scope is asked for' })),
    team: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The team the scope is asked in' })),
    ip: Type.Optional(Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$', description: "The IP address the token was presented from, for the token's allowed IPs" })),
  },
  { additionalProperties: false, examples: [{ token: 'lk_pat_3fKq9XbT0aLmN2pQrS7uVwXyZ1bC4dE5fG6h2kJt8', scope: 'issues:read', resource: 'repo_1' }] },
);

export const VerifyResponse = Type.Object({
  valid: Type.Boolean(),
  code: StringEnum(['VALID', 'NOT_FOUND', 'MALFORMED', 'REVOKED', 'EXPIRED', 'SUSPENDED', 'FORBIDDEN', 'RATE_LIMITED', 'IP_NOT_ALLOWED', 'APPROVAL_PENDING']),
  allowed: Type.Boolean(),
  token: Nullable(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      kind: Type.String(),
      prefix: Type.String(),
      expiresAt: Nullable(Type.String()),
      secretValidUntil: Nullable(Type.String({ description: "When the presented value stops working because the token was rolled (the grace period's end); null otherwise" })),
    }),
  ),
  principal: Nullable(PrincipalSchema),
  org: Nullable(OrgRefSchema),
  scopes: Type.Array(Type.String()),
  grants: Type.Array(GrantSchema),
  retryAfter: Type.Optional(Type.Integer({ description: 'With RATE_LIMITED: seconds until the token may be used again' })),
});

export const tokenRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/api-tokens',
    {
      schema: {
        operationId: 'listApiTokens',
        tags,
        summary: "List the caller's personal tokens",
        description: 'Newest first, revoked and expired ones included (filter with `status`). Never shows a secret.',
        [REQUIRED_SCOPE]: 'tokens:read',
        querystring: ListTokensQuery,
        response: { 200: listOf(TokenSchema) },
      },
    },
    (request) => listPersonalTokens(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/api-tokens',
    {
      schema: {
        operationId: 'createApiToken',
        tags,
        summary: 'Mint a personal token',
        description:
          'The response carries the secret in `token`, the only time it is ever shown. Without `scopes` the token holds whatever its owner can do, re-evaluated on every request; with them, at most those. A token that mints can give no more than it holds, and the new token cannot outlive it.',
        [REQUIRED_SCOPE]: 'tokens:manage',
        body: MintBody,
        response: { 201: MintedTokenSchema },
      },
    },
    async (request, reply) => {
      const minted = await mintPersonalToken(deps, ctxOf(request), request.body);
      return reply.code(201).header('Cache-Control', 'no-store').send(minted);
    },
  );

  app.get(
    '/v1/api-tokens/:id',
    {
      schema: {
        operationId: 'getApiToken',
        tags,
        summary: 'Get one of your personal tokens',
        description: 'Its metadata, status and last use; never its secret. Another person’s token is 404.',
        [REQUIRED_SCOPE]: 'tokens:read',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => getPersonalToken(deps, ctxOf(request), request.params.id),
  );

  app.get(
    '/v1/api-tokens/:id/usage',
    {
      schema: {
        operationId: 'getApiTokenUsage',
        tags,
        summary: 'Usage of one of your personal tokens',
        description: 'Uses per UTC day over the last `days` days (zeros included, oldest first) and the last five distinct IPs, from counters the batched last-use flush keeps. Another person’s token is 404.',
        [REQUIRED_SCOPE]: 'tokens:read',
        params: TokenParams,
        querystring: UsageQuery,
        response: { 200: UsageSchema },
      },
    },
    (request) => personalTokenUsage(deps, ctxOf(request), request.params.id, request.query.days),
  );

  app.delete(
    '/v1/api-tokens/:id',
    {
      schema: {
        operationId: 'revokeApiToken',
        tags,
        summary: 'Revoke one of your personal tokens',
        description: 'Immediate and permanent: the next request with it gets 401. It stays listed with `status: "revoked"`. A token may revoke itself.',
        [REQUIRED_SCOPE]: 'tokens:manage',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => revokePersonalToken(deps, ctxOf(request), request.params.id),
  );

  app.post(
    '/v1/api-tokens/:id/roll',
    {
      schema: {
        operationId: 'rollApiToken',
        tags,
        summary: 'Roll (rotate) one of your personal tokens',
        description:
          'A new secret for the same id and name, shown once in `token`. The old value stops at once, or after `gracePeriodSeconds` (at most a day) for a zero-downtime roll-out. A narrowed token cannot roll a wider one.',
        [REQUIRED_SCOPE]: 'tokens:manage',
        params: TokenParams,
        body: RollBody,
        response: { 200: MintedTokenSchema },
      },
    },
    async (request, reply) => {
      const rolled = await rollPersonalToken(deps, ctxOf(request), request.params.id, request.body?.gracePeriodSeconds ?? 0);
      return reply.header('Cache-Control', 'no-store').send(rolled);
    },
  );

  app.post(
    '/v1/api-tokens/revoke-all',
    {
      schema: {
        operationId: 'revokeAllApiTokens',
        tags,
        summary: "Revoke all the caller's personal tokens",
        description: 'Every live personal token of yours in this org, the calling one included, in one call.',
        [REQUIRED_SCOPE]: 'tokens:manage',
        body: Type.Optional(EmptyBody),
        response: { 200: Type.Object({ revoked: Type.Integer({ description: 'How many tokens were revoked' }) }) },
      },
    },
    (request) => revokeAllPersonalTokens(deps, ctxOf(request)),
  );

  app.post(
    '/v1/verify',
    {
      schema: {
        operationId: 'verifyToken',
        tags: ['Verification'],
        summary: 'Verify a token, and optionally a scope on a resource in a team',
        description:
          'For the host API. Always 200 for a token that is not valid: `valid` and `code` (`VALID`, `NOT_FOUND`, `MALFORMED`, `REVOKED`, `EXPIRED`, `SUSPENDED`, `FORBIDDEN`, …) say why; `allowed` answers the scope question. A token of another org is `NOT_FOUND`.',
        [REQUIRED_SCOPE]: 'tokens:verify',
        body: VerifyBody,
        response: { 200: VerifyResponse },
      },
    },
    async (request) => {
      const result = await verifyToken(deps, ctxOf(request), request.body);
      deps.metrics?.countVerification(result.code);
      return result;
    },
  );
};
