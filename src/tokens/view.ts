// How a token is shown: never its secret, always its status.
import type { TokensTable } from '../db/schema.js';
import { mergeGrants, scopesOf, type Grant } from '../permissions/engine.js';
import { parseGrants } from '../permissions/principals.js';
import { limitsOf, type RateLimit } from './limits.js';

export type TokenStatus = 'active' | 'revoked' | 'expired';

export interface TokenView {
  id: string;
  name: string;
  kind: 'personal' | 'service';
  prefix: string;
  scopes: string[];
  grants: Grant[];
  /** A personal token minted without scopes: its permissions follow its owner's live role. */
  inheritsOwnerPermissions: boolean;
  role: string | null;
  ownerUserId: string | null;
  serviceAccountId: string | null;
  /** The team that issued this service token, if any. */
  teamId: string | null;
  expiresAt: string | null;
  createdAt: string;
  createdBy: { type: string; id: string | null };
  rolledAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  lastUserAgent: string | null;
  status: TokenStatus;
  revokedReason: string | null;
  allowedIps: string[] | null;
  rateLimit: RateLimit | null;
  parentTokenId: string | null;
  approval: 'pending' | 'approved' | null;
}

export function tokenStatus(row: Pick<TokensTable, 'revoked_at' | 'expires_at'>, now: string): TokenStatus {
  if (row.revoked_at !== null) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  return 'active';
}

export interface ViewContext {
  /** The owner's current grants, shown for personal tokens that inherit them. */
  inherited?: Grant[];
  /** The token's team attachments (service tokens). */
  attachments?: Grant[];
}

export function toTokenView(row: TokensTable, now: string, context: ViewContext = {}): TokenView {
  const own = parseGrants(row.grants);
  const grants = mergeGrants([...(own ?? context.inherited ?? []), ...(context.attachments ?? [])]);
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    prefix: row.prefix,
    scopes: scopesOf(grants),
    grants,
    inheritsOwnerPermissions: own === null,
    role: row.role,
    ownerUserId: row.owner_user_id,
    serviceAccountId: row.service_account_id,
    teamId: row.team_id,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    createdBy: { type: row.created_by_type, id: row.created_by_id },
    rolledAt: row.rolled_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    lastUsedIp: row.last_used_ip,
    lastUserAgent: row.last_user_agent,
    status: tokenStatus(row, now),
    revokedReason: row.revoked_reason,
    ...limitsOf(row),
    parentTokenId: row.parent_token_id,
    approval: row.approval,
  };
}
