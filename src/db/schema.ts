// The Kysely Database interface: one schema for SQLite and PostgreSQL. Times are
// ISO 8601 UTC strings (sortable, identical on both), JSON columns are text.

export interface OrgsTable {
  id: string;
  name: string;
  plan: string;
  policy: string; // JSON OrgPolicy
  created_at: string;
  audit_seq: number;
  audit_head: string | null;
}

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  created_at: string;
}

export interface MembershipsTable {
  org_id: string;
  user_id: string;
  role: string;
  status: 'active' | 'suspended';
  created_at: string;
  updated_at: string;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: string;
  token_hash: string;
  invited_by: string | null;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  secret_hash: string;
  org_id: string | null;
  created_at: string;
  expires_at: string;
  ip: string | null;
  user_agent: string | null;
}

export interface TokensTable {
  id: string;
  org_id: string;
  kind: 'personal' | 'service';
  owner_user_id: string | null;
  service_account_id: string | null;
  /** For an org API key: the fixed role its scopes come from. */
  role: string | null;
  /** Uniqueness scope of the name: the user, service account or org that owns it. */
  owner_key: string;
  name: string;
  prefix: string;
  /** The team that issued this service token, if any. */
  team_id: string | null;
  /** JSON Grant[]; null = a personal token that inherits its owner's permissions. */
  grants: string | null;
  expires_at: string | null;
  created_at: string;
  created_by_type: string;
  created_by_id: string | null;
  parent_token_id: string | null;
  revoked_at: string | null;
  rolled_at: string | null;
  last_used_at: string | null;
  last_used_ip: string | null;
  last_user_agent: string | null;
  /** JSON string[] of CIDR ranges the token may be used from; null = anywhere. */
  allowed_ips: string | null;
  /** JSON { limit, windowSeconds }; null = no per-token rate limit. */
  rate_limit: string | null;
  /** Why it was revoked when not by a plain request: reported, leaked, reuse_detected, parent_revoked. */
  revoked_reason: string | null;
  /** 'pending' until an admin approves it (policy requireApproval), then 'approved'; null = never needed. */
  approval: 'pending' | 'approved' | null;
}

/** Every secret a token has had. The current one has retired_at null; a rolled one keeps working until valid_until. */
export interface TokenSecretsTable {
  hash: string;
  token_id: string;
  created_at: string;
  retired_at: string | null;
  valid_until: string | null;
}

export interface AuditEventsTable {
  id: string;
  org_id: string;
  seq: number;
  created_at: string;
  actor_type: 'user' | 'token' | 'system';
  actor_id: string | null;
  actor_name: string | null;
  actor_prefix: string | null;
  actor_user_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  request_id: string | null;
  ip: string | null;
  user_agent: string | null;
  metadata: string; // JSON object
  prev_hash: string | null;
  hash: string;
}

export interface TeamsTable {
  id: string;
  org_id: string;
  name: string;
  created_at: string;
}

/** A user's grant in a team: scopes (JSON string[]) optionally limited to resources (JSON string[] | null). */
export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  org_id: string;
  scopes: string;
  resources: string | null;
  created_at: string;
  updated_at: string;
}

/** A service token attached to a team with a grant; each takes a seat. */
export interface TokenAttachmentsTable {
  token_id: string;
  team_id: string;
  org_id: string;
  scopes: string;
  resources: string | null;
  created_at: string;
  updated_at: string;
}

export interface ServiceAccountsTable {
  id: string;
  org_id: string;
  name: string;
  scopes: string;
  resources: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

/** A registered webhook endpoint (webhooks/). `secret` is the signing secret, encrypted under the pepper. */
export interface WebhooksTable {
  id: string;
  org_id: string;
  url: string;
  /** JSON string[] of event patterns: `token.revoked`, `token.*`, `*`. */
  events: string;
  secret: string;
  status: 'active' | 'disabled';
  created_at: string;
  created_by_type: string;
  created_by_id: string | null;
  /** When the current run of failed attempts began (null while it succeeds). */
  failing_since: string | null;
  disabled_at: string | null;
  disabled_reason: string | null;
  deleted_at: string | null;
}

/** The webhook outbox: one row per event per endpoint. */
export interface WebhookDeliveriesTable {
  id: string;
  webhook_id: string;
  org_id: string;
  event_id: string;
  event_type: string;
  /** The exact body sent on every attempt. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  attempts: number;
  created_at: string;
  next_attempt_at: string;
  /** A node's lease on the delivery while it attempts it. */
  claimed_until: string | null;
  claimed_by: string | null;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

export interface TokenExpiryWarningsTable {
  token_id: string;
  threshold_days: number;
  created_at: string;
}

/** Uses of a token on one UTC day (`day` is YYYY-MM-DD). */
export interface TokenUsageDailyTable {
  token_id: string;
  day: string;
  count: number;
}

/** The last time a token was used from an IP. */
export interface TokenUsageIpsTable {
  token_id: string;
  ip: string;
  last_at: string;
}

export interface Database {
  orgs: OrgsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  invitations: InvitationsTable;
  sessions: SessionsTable;
  tokens: TokensTable;
  token_secrets: TokenSecretsTable;
  audit_events: AuditEventsTable;
  teams: TeamsTable;
  team_members: TeamMembersTable;
  token_attachments: TokenAttachmentsTable;
  service_accounts: ServiceAccountsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  token_expiry_warnings: TokenExpiryWarningsTable;
  token_usage_daily: TokenUsageDailyTable;
  token_usage_ips: TokenUsageIpsTable;
}
