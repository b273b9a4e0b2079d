// HTTP adapter for org-wide token administration.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { REQUIRED_SCOPE } from '../http/openapi.js';
import { Expiry, IdOf, IdParams, listOf, ListQuery, MintedTokenSchema, Name, ResourceId, RollBody, Scope, StringEnum, TokenSchema } from '../http/schemas.js';
import { createOrgApiKey, getOrgToken, listOrgTokens, revokeAllOrgTokens, revokeOrgToken, rollOrgToken } from './admin.js';

const tags = ['Org-wide tokens'];
const Kind = StringEnum(['personal', 'service'], { description: 'Only tokens of this kind' });
const TokenParams = IdParams('token');

const Filters = Type.Object(
  {
    ...ListQuery.properties,
    kind: Type.Optional(Kind),
    status: Type.Optional(StringEnum(['active', 'revoked', 'expired'], { description: 'Only tokens in this state' })),
    owner: Type.Optional(IdOf("Only this owner's tokens: a user id (personal tokens) or a service account id")),
    team: Type.Optional(IdOf('Only tokens issued by or attached to this team')),
  },
  { additionalProperties: false },
);

const ApiKeyBody = Type.Object(
  {
    name: Name,
    role: Type.Optional(Type.String({ minLength: 1, maxLength: 50, description: "A fixed role for the key, at most your own (give this or scopes)" })),
    scopes: Type.Optional(Type.Array(Scope, { minItems: 1, maxItems: 200, description: 'Explicit scopes, each within your own permissions (give this or role)' })),
    resources: Type.Optional(Type.Array(ResourceId, { minItems: 1, maxItems: 200, description: 'Limit the scopes to these resource ids (with scopes only)' })),
    ...Expiry,
  },
  { additionalProperties: false, examples: [{ name: 'integration', role: 'viewer', expiresIn: '90d' }] },
);

const RevokeAllBody = Type.Union(
  [Type.Object({ kind: Type.Optional(Kind) }, { additionalProperties: false }), Type.Null()],
  { examples: [{ kind: 'personal' }] },
);

export const adminTokenRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/tokens',
    {
      schema: {
        operationId: 'listTokens',
        tags,
        summary: 'List every token in the org',
        description: 'Personal tokens, service-account tokens, team tokens and org API keys, newest first, filterable by kind, status, owner and team. Never shows a secret.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        querystring: Filters,
        response: { 200: listOf(TokenSchema) },
      },
    },
    (request) => listOrgTokens(deps, ctxOf(request), request.query),
  );

  app.post(
    '/v1/tokens',
    {
      schema: {
        operationId: 'createToken',
        tags,
        summary: 'Create an org API key',
        description:
          'A service token owned by the org itself (no person, no service account), with a fixed role no higher than yours, or explicit scopes within your own. The secret is in `token`, shown once.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        body: ApiKeyBody,
        response: { 201: MintedTokenSchema },
      },
    },
    async (request, reply) => reply.code(201).header('Cache-Control', 'no-store').send(await createOrgApiKey(deps, ctxOf(request), request.body)),
  );

  app.post(
    '/v1/tokens/revoke-all',
    {
      schema: {
        operationId: 'revokeAllTokens',
        tags,
        summary: 'Revoke every token in the org',
        description: 'Mass revocation after a leak: every live token of the org (or of one kind), the calling one included, in one transaction with one audit event.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        body: Type.Optional(RevokeAllBody),
        response: { 200: Type.Object({ revoked: Type.Integer({ description: 'How many tokens were revoked' }) }) },
      },
    },
    (request) => revokeAllOrgTokens(deps, ctxOf(request), request.body ?? {}),
  );

  app.get(
    '/v1/tokens/:id',
    {
      schema: {
        operationId: 'getToken',
        tags,
        summary: 'Get any token in the org',
        description: 'Its metadata, grants, status and last use; never its secret.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => getOrgToken(deps, ctxOf(request), request.params.id),
  );

  app.post(
    '/v1/tokens/:id/roll',
    {
      schema: {
        operationId: 'rollToken',
        tags,
        summary: 'Roll any token in the org',
        description:
          'A new secret for the same id, shown once in `token`; the old value stops at once or after `gracePeriodSeconds`. The caller gets the secret, so it must itself hold everything the token can do and must not expire before it.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        params: TokenParams,
        body: RollBody,
        response: { 200: MintedTokenSchema },
      },
    },
    async (request, reply) =>
      reply.header('Cache-Control', 'no-store').send(await rollOrgToken(deps, ctxOf(request), request.params.id, request.body?.gracePeriodSeconds ?? 0)),
  );

  app.delete(
    '/v1/tokens/:id',
    {
      schema: {
        operationId: 'revokeToken',
        tags,
        summary: 'Revoke any token in the org',
        description: 'Immediate and permanent: the next request with it gets 401.',
        [REQUIRED_SCOPE]: 'tokens:admin',
        params: TokenParams,
        response: { 200: TokenSchema },
      },
    },
    (request) => revokeOrgToken(deps, ctxOf(request), request.params.id),
  );
};
