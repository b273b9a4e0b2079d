// The shapes MCP tools hand back as structuredContent, in zod (what the MCP SDK
// takes). They mirror the HTTP API's response schemas (src/http/schemas.ts and
// the routes) loosely: the fields an assistant acts on are named and typed, and
// any other field passes through, as the API may add fields (SPEC §5).
import { z } from 'zod';

const nullableString = z.string().nullable();

export const Grant = z.looseObject({
  team: nullableString.describe('Team id the grant is limited to; null = org-wide'),
  scopes: z.array(z.string()),
  resources: z.array(z.string()).nullable().describe('Resource ids the scopes are limited to; null = any'),
});

export const Token = z.looseObject({
  id: z.string(),
  name: z.string(),
  kind: z.enum(['personal', 'service']),
  prefix: z.string().describe('Non-secret display prefix'),
  scopes: z.array(z.string()),
  grants: z.array(Grant),
  expiresAt: nullableString,
  createdAt: z.string(),
  lastUsedAt: nullableString,
  lastUsedIp: nullableString,
  status: z.enum(['active', 'revoked', 'expired']),
});

export const MintedToken = Token.extend({
  token: z.string().describe('The plaintext secret. Shown only in this result; it cannot be retrieved again.'),
});

export const Principal = z.looseObject({ type: z.enum(['user', 'service_account', 'org']), id: z.string(), name: z.string(), email: z.string().optional() });
export const OrgRef = z.looseObject({ id: z.string(), name: z.string(), plan: z.string() });

export const Me = z.looseObject({
  principal: Principal,
  org: OrgRef,
  credential: z.looseObject({ type: z.enum(['token', 'session']), id: z.string().optional(), name: z.string().optional(), prefix: z.string().optional() }),
  scopes: z.array(z.string()),
});

const ScopeEntry = z.looseObject({ scope: z.string(), category: z.string(), description: z.string() });
export const ScopeCatalogue = z.looseObject({
  data: z.array(ScopeEntry),
  categories: z.array(z.looseObject({ name: z.string(), scopes: z.array(ScopeEntry) })),
});

export const ServiceAccount = z.looseObject({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  resources: z.array(z.string()).nullable(),
  grants: z.array(Grant),
  createdAt: z.string(),
});

export const Team = z.looseObject({ id: z.string(), name: z.string(), createdAt: z.string() });

export const Member = z.looseObject({
  userId: z.string(),
  email: z.string(),
  name: z.string(),
  role: z.string(),
  status: z.enum(['active', 'suspended']),
  createdAt: z.string(),
});

export const AuditEvent = z.looseObject({
  id: z.string(),
  createdAt: z.string(),
  actor: z.looseObject({ type: z.string(), id: nullableString, name: nullableString, prefix: nullableString }),
  action: z.string(),
  target: z.looseObject({ type: nullableString, id: nullableString }),
  requestId: nullableString,
  ip: nullableString,
  metadata: z.record(z.string(), z.unknown()),
});

export const VerifyResult = z.looseObject({
  valid: z.boolean(),
  code: z.enum(['VALID', 'NOT_FOUND', 'MALFORMED', 'REVOKED', 'EXPIRED', 'SUSPENDED', 'FORBIDDEN', 'RATE_LIMITED', 'IP_NOT_ALLOWED']),
  allowed: z.boolean(),
  token: z.looseObject({ id: z.string(), name: z.string(), kind: z.string(), prefix: z.string(), expiresAt: nullableString }).nullable(),
  principal: Principal.nullable(),
  org: OrgRef.nullable(),
  scopes: z.array(z.string()),
});

export const Deleted = z.looseObject({ deleted: z.boolean(), revokedTokens: z.number().int() });

/** A page of a cursor-paginated list. */
export function page<T extends z.ZodType>(item: T) {
  return z.looseObject({
    data: z.array(item),
    nextCursor: nullableString.describe('Pass as `cursor` to get the next page; null when this is the last page'),
  });
}

// Inputs shared by several tools.

export const Id = z.string().regex(/^[a-z]{2,8}_[0-9A-Za-z]+$/, 'an id such as tok_…, sa_…, team_…, usr_…');
export const Name = z.string().min(1).max(100);
export const ScopeName = z.string().regex(/^[a-z][a-z0-9_.-]*:[a-z][a-z0-9_.-]*$/, 'a scope such as issues:read');

export const Scopes = z.array(ScopeName).min(1).max(200).describe('Scopes to grant, e.g. ["issues:read"]; see list_scopes. Never more than the caller holds.');
export const Resources = z
  .array(z.string().min(1).max(200))
  .min(1)
  .max(200)
  .optional()
  .describe('Limit the scopes to these resource ids (e.g. one repository or site key); omit for any resource');

export const ExpiresIn = z
  .enum(['7d', '30d', '60d', '90d', '1y'])
  .nullable()
  .optional()
  .describe('Lifetime from now; null = never expires (if the org policy allows). Give this or expiresAt, not both.');
export const ExpiresAt = z.iso.datetime({ offset: true }).optional().describe('Exact expiry as an ISO 8601 time. Give this or expiresIn, not both.');

export const Paging = {
  limit: z.number().int().min(1).max(200).optional().describe('Page size (default 50, at most 200)'),
  cursor: z.string().max(200).optional().describe('The nextCursor of the previous page'),
};
