// HTTP adapter for who the caller is and what can be granted: /v1/me, roles, scopes.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Deps } from '../deps.js';
import { ctxOf } from '../http/auth.js';
import { GrantSchema, Nullable, OrgRefSchema, PrincipalSchema } from '../http/schemas.js';
import { scopesOf } from './engine.js';

const MeResponse = Type.Object({
  principal: PrincipalSchema,
  org: OrgRefSchema,
  credential: Type.Object({
    type: Type.Union([Type.Literal('token'), Type.Literal('session')]),
    id: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    prefix: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    expiresAt: Type.Optional(Nullable(Type.String())),
  }),
  role: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  grants: Type.Array(GrantSchema),
});

const Role = Type.Object({ name: Type.String(), rank: Type.Integer(), description: Type.String(), scopes: Type.Array(Type.String()) });
const ScopeEntry = Type.Object({ scope: Type.String(), category: Type.String(), description: Type.String() });

export const permissionRoutes: FastifyPluginAsyncTypebox<{ deps: Deps }> = async (app, { deps }) => {
  app.get(
    '/v1/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['Identity'],
        summary: 'Get the caller',
        description: 'The principal (a person, a service account or the org), the org, the credential (a token or a session), the role, and the effective scopes and grants as of this request. Any credential may call it.',
        response: { 200: MeResponse },
      },
    },
    (request) => {
      const { actor } = ctxOf(request);
      const c = actor.credential;
      const credential =
        c.type === 'token' ? { type: 'token' as const, id: c.id, name: c.name, prefix: c.prefix, kind: c.kind, expiresAt: c.expiresAt } : { type: 'session' as const };
      return { principal: actor.principal, org: actor.org, credential, role: actor.role, scopes: scopesOf(actor.grants), grants: actor.grants };
    },
  );

  app.get(
    '/v1/roles',
    {
      schema: {
        operationId: 'listRoles',
        tags: ['Roles and scopes'],
        summary: 'List roles',
        description: 'Each role with its rank and the scopes it holds. Any credential may call it.',
        response: { 200: Type.Object({ data: Type.Array(Role), nextCursor: Nullable(Type.String()) }) },
      },
    },
    (request) => {
      ctxOf(request);
      return { data: deps.config.roles, nextCursor: null };
    },
  );

  app.get(
    '/v1/api-tokens/scopes',
    {
      schema: {
        operationId: 'listScopes',
        tags: ['Roles and scopes'],
        summary: 'List the scope catalogue',
        description: 'Every scope a grant can name, flat and by category: the built-in management scopes and the host API’s own. Any credential may call it.',
        response: {
          200: Type.Object({
            data: Type.Array(ScopeEntry),
            categories: Type.Array(Type.Object({ name: Type.String(), scopes: Type.Array(ScopeEntry) })),
            nextCursor: Nullable(Type.String()),
          }),
        },
      },
    },
    (request) => {
      ctxOf(request);
      const categories = new Map<string, typeof deps.config.catalogue>();
      for (const entry of deps.config.catalogue) {
        const list = categories.get(entry.category) ?? [];
        list.push(entry);
        categories.set(entry.category, list);
      }
      return { data: deps.config.catalogue, categories: [...categories].map(([name, scopes]) => ({ name, scopes })), nextCursor: null };
    },
  );
};
