// What every service function receives: the shared dependencies (built once by
// buildApp or the CLI) and, per call, who is acting and from where.
import type { Kysely, Transaction } from 'kysely';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/schema.js';
import type { Grant } from './permissions/engine.js';
import type { TokenCache } from './tokens/cache.js';
import type { SecretHasher } from './tokens/hashing.js';
import type { LastUseRecorder } from './tokens/last-use.js';

export interface Deps {
  db: Kysely<Database>;
  config: Config;
  clock: Clock;
  hasher: SecretHasher;
  lastUse: LastUseRecorder;
  /** Called after a committed change to an org's state (see db/change.ts; `tokenIds` as there). */
  changed(orgId: string, tokenIds?: readonly string[]): Promise<void>;
  /**
   * Called inside a change's transaction so other nodes hear of it when it commits
   * (PostgreSQL NOTIFY, see db/notify.ts); absent where there are no other nodes.
   */
  publishChange?(trx: Transaction<Database>, orgId: string, tokenIds?: readonly string[]): Promise<void>;
  /** The verification cache (tokens/cache.ts); absent in the CLI, which always reads the database. */
  tokenCache?: TokenCache;
}

export interface OrgRef {
  id: string;
  name: string;
  plan: string;
}

export type Principal =
  | { type: 'user'; id: string; name: string; email: string }
  | { type: 'service_account'; id: string; name: string }
  | { type: 'org'; id: string; name: string };

export type Credential =
  | { type: 'session'; id: string; userId: string }
  | {
      type: 'token';
      id: string;
      name: string;
      prefix: string;
      kind: 'personal' | 'service';
      expiresAt: string | null;
      /** The token's own grants (null = inherits its owner's). */
      ownGrants: Grant[] | null;
    };

/** A resolved, live credential: who it is, in which org, allowed what. */
export interface Actor {
  org: OrgRef;
  principal: Principal;
  credential: Credential;
  /** The user's org role (personal tokens, sessions) or the API key's fixed role. */
  role: string | null;
  /** Effective permissions right now. */
  grants: Grant[];
}

/** Where a call came from, for the audit log. */
export interface CallMeta {
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
}

export interface Ctx extends CallMeta {
  actor: Actor;
}

