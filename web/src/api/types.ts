// The API's shapes the dashboard reads (SPEC §5). To be replaced by the types
// @latchkey/sdk generates from the OpenAPI document once that package lands.

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface Grant {
  team: string | null;
  scopes: string[];
  resources: string[] | null;
}

export interface Token {
  id: string;
  name: string;
  kind: 'personal' | 'service';
  prefix: string;
  scopes: string[];
  grants: Grant[];
  /** A personal token that was not narrowed: it can do whatever its owner can. */
  inheritsOwnerPermissions: boolean;
  role: string | null;
  ownerUserId: string | null;
  serviceAccountId: string | null;
  teamId: string | null;
  expiresAt: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  status: 'active' | 'revoked' | 'expired';
}

export interface MintedToken extends Token {
  token: string;
}

export interface Me {
  principal: { type: 'user' | 'service_account' | 'org'; id: string; name: string; email?: string };
  org: { id: string; name: string; plan: string };
  credential: { type: 'token' | 'session' };
  role: string | null;
  scopes: string[];
}

export interface SessionInfo {
  user: { id: string; email: string; name: string };
  org: { id: string; name: string; plan: string } | null;
  csrfToken: string;
  expiresAt: string;
}

export interface UserOrg {
  id: string;
  name: string;
  plan: string;
  role: string;
  status: 'active' | 'suspended';
}

export interface ScopeEntry {
  scope: string;
  category: string;
  description: string;
}

export interface ScopeCatalogue {
  data: ScopeEntry[];
  categories: { name: string; scopes: ScopeEntry[] }[];
}

export interface Policy {
  maxPersonalTokensPerUser: number | null;
  requireExpiry: boolean;
  maxLifetimeDays: number | null;
}

export interface Seats {
  limit: number | null;
  used: number;
  available: number | null;
}

export interface Org {
  id: string;
  name: string;
  plan: string;
  policy: Policy;
  seats: Seats;
  features: { auditLog: boolean };
}

export interface Plan {
  name: string;
  seatLimit: number | null;
  features: { auditLog: boolean };
}

export interface Role {
  name: string;
  rank: number;
  description: string;
  scopes: string[];
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'suspended';
  createdAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: string;
  status: 'invited';
  expiresAt: string;
  inviteToken?: string;
}

export interface ServiceAccount {
  id: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  createdAt: string;
}

export interface Team {
  id: string;
  name: string;
  createdAt: string;
}

export interface TeamMember {
  userId: string;
  name?: string;
  email?: string;
  scopes: string[];
  resources: string[] | null;
}

export interface AuditEvent {
  id: string;
  createdAt: string;
  actor: { type: string; id: string | null; name: string | null; prefix: string | null; userId: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
}

export interface Usage {
  data: { date: string; count: number }[];
  lastIps: string[];
}
