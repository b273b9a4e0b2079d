// The OpenAPI document's frame (info, servers, tags, security schemes) and what
// every route adds to it from its own options: the problem+json errors, the
// credentials it accepts, and the scope it needs. Routes keep their schemas,
// operationId, summary and description next to their handler; generated clients
// (the SDK's types, MCP tools) key on the operationIds, so those never change.
import type { SwaggerOptions } from '@fastify/swagger';
import type { RouteOptions } from 'fastify';
import type { AuthMode } from './auth.js';

/** The route option naming the scope a route needs; copied into the document as is. */
export const REQUIRED_SCOPE = 'x-required-scope';

export const TAGS = [
  { name: 'Sessions', description: 'Sign in at the dashboard with email and password. The session cookie goes with a CSRF token that unsafe requests send back as `X-CSRF-Token`.' },
  { name: 'Organization', description: 'The tenant: its name, plan, seats and token policy. Creating an org and changing its plan need a signed-in person, never a token.' },
  { name: 'Members', description: 'People in the org, with a role and a status; adding someone who has no account makes an invitation.' },
  { name: 'Identity', description: 'Who the caller is and what the credential may do.' },
  { name: 'Roles and scopes', description: 'The roles (named bundles of scopes) and the scope catalogue: the built-in management scopes and the host API’s own.' },
  {
    name: 'Personal access tokens',
    description:
      'The caller’s own personal tokens. `tokens:read` and `tokens:manage` are self-service: every role holds them, and a token can only mint within its own permissions.',
  },
  {
    name: 'Org-wide tokens',
    description: 'Administration of tokens that are not the caller’s own: every token in the org, org API keys, rolling and revoking anyone’s token, mass revocation. Needs `tokens:admin`.',
  },
  { name: 'Service accounts', description: 'Machine principals owned by the org, with grants that their tokens can only narrow.' },
  { name: 'Teams', description: 'Groups inside the org; members and service tokens join a team with a grant, and each team token takes a seat.' },
  { name: 'Audit log', description: 'Every change and every token use, hash-chained per org; a plan feature.' },
  { name: 'Verification', description: 'For the host API: is this token valid, and may it do this?' },
];

export function openapiOptions(): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Latchkey',
        version: '1',
        description:
          'Self-hostable access tokens: personal and service tokens that are scoped, shown once, stored as keyed hashes, rolled and revoked in place, audited, and verified in microseconds.\n\n' +
          'Send a token as `Authorization: Bearer <token>` or `X-API-Key: <token>`, or use the dashboard’s session cookie. Every error is `application/problem+json` with a stable `code` and the `requestId`; every list is cursor-paginated (`?limit=&cursor=`).',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      // Relative: the document describes the server that serves it, wherever that is deployed.
      servers: [{ url: '/', description: 'The Latchkey server that serves this document' }],
      tags: TAGS,
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A Latchkey token: `Authorization: Bearer lk_pat_…`' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'The same token in the `X-API-Key` header' },
          session: { type: 'apiKey', in: 'cookie', name: 'latchkey_session', description: 'The dashboard’s session cookie (unsafe methods also send `X-CSRF-Token`)' },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
  };
}

const SECURITY_BY_AUTH: Record<AuthMode, Array<Record<string, string[]>> | undefined> = {
  none: [],
  session: [{ session: [] }],
  org: undefined, // the document's default: a token or a session
};

/** onRoute: completes a documented route's OpenAPI entry from its options. */
export function documentRoute(route: RouteOptions): void {
  const schema = route.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return;
  schema.response = { ...(schema.response as object), '4xx': { $ref: 'Problem#' }, '5xx': { $ref: 'Problem#' } };
  const security = SECURITY_BY_AUTH[(route.config as { auth?: AuthMode } | undefined)?.auth ?? 'org'];
  if (security !== undefined && schema.security === undefined) schema.security = security;
  const scope = schema[REQUIRED_SCOPE];
  const description = typeof schema.description === 'string' ? schema.description : '';
  const needs = `Needs the scope \`${scope}\`.`;
  // Fastify hands a GET route's schema to onRoute again for its HEAD twin: add the sentence once.
  if (typeof scope === 'string' && !description.endsWith(needs)) schema.description = `${description}${description ? '\n\n' : ''}${needs}`;
}
