// Reading the audit log (filters, pagination, JSON-lines export) and checking
// its hash chain.
import type { Kysely } from 'kysely';
import type { Ctx, Deps } from '../deps.js';
import type { AuditEventsTable, Database } from '../db/schema.js';
import { AppError } from '../errors.js';
import { requireScope } from '../permissions/engine.js';
import { planOf } from '../orgs/service.js';
import { auditAction } from './record.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageRequest } from '../pagination.js';
import { findBreak, type ChainBreak } from './chain.js';
import type { SecretHasher } from '../tokens/hashing.js';

export interface AuditEventView {
  id: string;
  seq: number;
  createdAt: string;
  orgId: string;
  actor: { type: string; id: string | null; name: string | null; prefix: string | null; userId: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
  prevHash: string | null;
  hash: string;
}

export function toAuditView(row: AuditEventsTable): AuditEventView {
  return {
    id: row.id,
    seq: Number(row.seq),
    createdAt: row.created_at,
    orgId: row.org_id,
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name, prefix: row.actor_prefix, userId: row.actor_user_id },
    action: row.action,
    target: { type: row.target_type, id: row.target_id },
    requestId: row.request_id,
    ip: row.ip,
    userAgent: row.user_agent,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditFilters extends PageRequest {
  /** An actor id (user or token) or name, `token`/`user`/`system` for every actor of that type, or `personal_token`/`service_token`. */
  actor?: string | undefined;
  /** A token id: events by it or about it. */
  token?: string | undefined;
  /** An exact action, or a prefix ending in `.*` (`token.*`). */
  action?: string | undefined;
  target?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Denied attempts are shown only when asked for ("turn on denied attempts"), or by naming their action. */
  denied?: 'include' | 'exclude' | 'only' | undefined;
}

function assertAuditReadable(deps: Deps, ctx: Ctx): void {
  requireScope(ctx.actor.grants, { scope: 'audit:read' });
  if (!planOf(deps, ctx.actor.org.plan).features.auditLog) {
    const withIt = deps.config.plans.filter((plan) => plan.features.auditLog).map((plan) => plan.name);
    const where = withIt.length > 0 ? `; it is part of the ${withIt.join(', ')} plan${withIt.length > 1 ? 's' : ''}` : '';
    throw new AppError('plan_feature_unavailable', `Reading the audit log is not part of the ${ctx.actor.org.plan} plan (events are still recorded)${where}`);
  }
}

function isoOrThrow(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new AppError('validation_failed', `${field} is not a date`, { errors: [{ field, message: 'must be an ISO 8601 date-time' }] });
  return date.toISOString();
}

export async function listAuditEvents(deps: Deps, ctx: Ctx, filters: AuditFilters): Promise<Page<AuditEventView>> {
  assertAuditReadable(deps, ctx);
  const limit = pageLimit(filters);
  const after = decodeCursor(filters.cursor);
  const since = isoOrThrow(filters.since, 'since');
  const until = isoOrThrow(filters.until, 'until');
  let q = deps.db.selectFrom('audit_events').selectAll().where('org_id', '=', ctx.actor.org.id);
  // Events are ordered by their place in the org's chain, not by id (two nodes
  // may write in the same millisecond).
  if (after) q = q.where('seq', '<', (eb) => eb.selectFrom('audit_events').select('seq').where('id', '=', after).where('org_id', '=', ctx.actor.org.id));
  const tokenKind = { personal_token: 'pat', service_token: 'sat' }[filters.actor ?? ''];
  if (tokenKind !== undefined) {
    // Tokens of one kind, told apart by their display prefix (`lk_pat_…`), compared as a byte range like action families below.
    const start = `${deps.config.tokenPrefix}_${tokenKind}_`;
    q = q.where('actor_type', '=', 'token').where('actor_prefix', '>=', start).where('actor_prefix', '<', `${start.slice(0, -1)}\``);
  } else if (filters.actor !== undefined) {
    const actor = filters.actor;
    q = ['user', 'token', 'system'].includes(actor)
      ? q.where('actor_type', '=', actor as 'user' | 'token' | 'system')
      : q.where((eb) => eb.or([eb('actor_id', '=', actor), eb('actor_name', '=', actor)]));
  }
  if (filters.token !== undefined) {
    const token = filters.token;
    q = q.where((eb) => eb.or([eb.and([eb('actor_type', '=', 'token'), eb('actor_id', '=', token)]), eb('target_id', '=', token)]));
  }
  if (filters.action !== undefined) {
    if (filters.action.endsWith('.*')) {
      // A family (`service_account.*`) as a range, not LIKE: `_` and `%` stay plain
      // characters, and case counts on SQLite as it does on PostgreSQL. Text compares
      // byte by byte on both (db/migrations.ts), and '/' is the byte after '.'.
      const family = filters.action.slice(0, -1);
      q = q.where('action', '>=', family).where('action', '<', `${family.slice(0, -1)}/`);
    } else {
      q = q.where('action', '=', filters.action);
    }
  }
  if (filters.target !== undefined) q = q.where('target_id', '=', filters.target);
  const deniedAction = auditAction(deps.config, 'access.denied');
  if (filters.denied === 'only') q = q.where('action', '=', deniedAction);
  else if (filters.denied !== 'include' && filters.action === undefined) q = q.where('action', '!=', deniedAction);
  if (since) q = q.where('created_at', '>=', since);
  if (until) q = q.where('created_at', '<', until);
  const rows = await q.orderBy('seq', 'desc').limit(limit + 1).execute();
  return toPage(rows, limit, toAuditView);
}

/** Checks every org's chain (or one); returns the first broken link of each broken org. */
export async function verifyChains(db: Kysely<Database>, hasher: SecretHasher, orgId?: string): Promise<{ orgs: number; events: number; breaks: ChainBreak[] }> {
  let orgsQuery = db.selectFrom('orgs').select(['id', 'audit_seq', 'audit_head']);
  if (orgId) orgsQuery = orgsQuery.where('id', '=', orgId);
  const orgs = await orgsQuery.execute();
  const breaks: ChainBreak[] = [];
  let events = 0;
  for (const org of orgs) {
    const rows = await db.selectFrom('audit_events').selectAll().where('org_id', '=', org.id).orderBy('seq').execute();
    events += rows.length;
    const found = findBreak(hasher, org.id, rows, { seq: Number(org.audit_seq), hash: org.audit_head });
    if (found) breaks.push(found);
  }
  return { orgs: orgs.length, events, breaks };
}
