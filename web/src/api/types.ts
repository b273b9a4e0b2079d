// The API's shapes, all from @latchkey/sdk, whose types are generated from the
// server's OpenAPI document (never written by hand here).
import type { Org, ResponseOf, Roles } from '@latchkey/sdk';

export type {
  AuditEvent,
  Grant,
  Me,
  Member,
  MemberAdded,
  MintedToken,
  Org,
  ScopeCatalogue,
  Seats,
  ServiceAccount,
  Team,
  TeamMember,
  Token,
} from '@latchkey/sdk';

/** A list page as every list route answers it. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

type Item<L> = L extends { data: (infer T)[] } ? T : never;

export type SessionInfo = ResponseOf<'/v1/auth/session', 'get'>;
export type UserOrg = Item<ResponseOf<'/v1/orgs', 'get'>>;
export type Plan = Item<ResponseOf<'/v1/plans', 'get'>>;
export type Role = Item<Roles>;
export type Policy = Org['policy'];
export type Usage = ResponseOf<'/v1/api-tokens/{id}/usage', 'get'>;
