// Last use, recorded off the request path: a verification only notes the use in
// memory; a timer writes the batch (last-use columns and one `token.used` audit
// event per token with its count) in one transaction. Flushed on shutdown.
// Presenting an expired token is noted the same way and recorded once per token
// as `token.expired` (SPEC §6: expired-on-use).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database, TokensTable } from '../db/schema.js';
import type { CallMeta } from '../deps.js';
import type { SecretHasher } from './hashing.js';
import { recordEvent, recordEvents, type AuditEntry } from '../audit/record.js';

export interface TokenUse {
  tokenId: string;
  orgId: string;
  name: string;
  prefix: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** The request that used the token (kept only with config audit.usesCarryRequestIds). */
  requestId?: string | null;
}

interface Pending extends TokenUse {
  /** Epoch ms: turned into text only when written, to keep record() cheap. */
  firstAt: number;
  lastAt: number;
  count: number;
  ips: Set<string>;
  /** The request ids this use aggregates, when they are kept. */
  requestIds: string[] | null;
  /** Uses per UTC day (days since the epoch → count), for the usage chart. */
  days: Map<number, number>;
  /** The most recent IPs (IP → epoch ms), least recent first, at most five. */
  recentIps: Map<string, number>;
}

/** What the audit log records when an expired token is presented. */
export function expiredUse(token: TokensTable, meta: CallMeta): TokenUse & { expiresAt: string | null } {
  return { tokenId: token.id, orgId: token.org_id, name: token.name, prefix: token.prefix, userId: token.owner_user_id, ip: meta.ip, userAgent: meta.userAgent, expiresAt: token.expires_at };
}

const MAX_IPS_PER_BATCH = 5;
/** Bound on request ids kept per token per flush; past it the event says how many were left out. */
const MAX_REQUEST_IDS_PER_BATCH = 1000;

export interface LastUseOptions {
  /** Each token.used event lists the request ids it aggregates (config audit.usesCarryRequestIds). */
  keepRequestIds?: boolean;
}

const DAY_MS = 86_400_000;

function noteIp(recent: Map<string, number>, ip: string, at: number): void {
  recent.delete(ip);
  recent.set(ip, at);
  if (recent.size > MAX_IPS_PER_BATCH) recent.delete(recent.keys().next().value as string);
}
const FLUSH_CHUNK = 100;

export class LastUseRecorder {
  private pending = new Map<string, Pending>();
  private expired = new Map<string, TokenUse & { expiresAt: string | null }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly hasher: SecretHasher,
    private readonly onError: (error: unknown) => void = () => undefined,
    private readonly options: LastUseOptions = {},
  ) {}

  /** O(1), no I/O: safe on the hot path. */
  record(use: TokenUse): void {
    const at = this.clock.now().getTime();
    const day = Math.floor(at / DAY_MS);
    const entry = this.pending.get(use.tokenId);
    if (entry) {
      entry.lastAt = at;
      entry.count++;
      entry.ip = use.ip;
      entry.userAgent = use.userAgent;
      if (use.ip && entry.ips.size < MAX_IPS_PER_BATCH) entry.ips.add(use.ip);
      if (entry.requestIds && use.requestId && entry.requestIds.length < MAX_REQUEST_IDS_PER_BATCH) entry.requestIds.push(use.requestId);
      entry.days.set(day, (entry.days.get(day) ?? 0) + 1);
      if (use.ip) noteIp(entry.recentIps, use.ip, at);
    } else {
      const requestIds = this.options.keepRequestIds ? (use.requestId ? [use.requestId] : []) : null;
      this.pending.set(use.tokenId, {
        ...use,
        firstAt: at,
        lastAt: at,
        count: 1,
        ips: new Set(use.ip ? [use.ip] : []),
        requestIds,
        days: new Map([[day, 1]]),
        recentIps: new Map(use.ip ? [[use.ip, at]] : []),
      });
    }
  }

  /** An expired token was presented: O(1), no I/O; written once per token at the next flush. */
  recordExpired(use: TokenUse & { expiresAt: string | null }): void {
    if (!this.expired.has(use.tokenId)) this.expired.set(use.tokenId, use);
  }

  start(intervalMs: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(this.onError), intervalMs);
    this.timer.unref();
  }

  /** Writes everything recorded so far. Concurrent calls queue behind each other. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  private async writeBatch(): Promise<void> {
    await this.writeExpired();
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].sort((a, b) => compare(a.orgId, b.orgId) || compare(a.tokenId, b.tokenId));
    this.pending = new Map();
    // In chunks, one transaction each, yielding in between: on SQLite a write
    // blocks the event loop and holds the only connection, so one transaction
    // for thousands of tokens would stall every verification behind it.
    for (let from = 0; from < batch.length; from += FLUSH_CHUNK) {
      if (from > 0) await new Promise((resolve) => setImmediate(resolve));
      try {
        await this.writeUses(batch.slice(from, from + FLUSH_CHUNK));
      } catch (error) {
        // Keep the uses for the next flush rather than lose them.
        for (const use of batch.slice(from)) this.restore(use);
        throw error;
      }
    }
  }

  private async writeExpired(): Promise<void> {
    if (this.expired.size === 0) return;
    const batch = [...this.expired.values()];
    this.expired = new Map();
    for (const use of batch) {
      await this.db.transaction().execute(async (trx) => {
        const seen = await trx
          .selectFrom('audit_events')
          .select('id')
          .where('target_id', '=', use.tokenId)
          .where('action', '=', 'token.expired')
          .executeTakeFirst();
        if (seen) return;
        await recordEvent(trx, this.hasher, this.clock.now(),
          use.orgId,
          { type: 'token', id: use.tokenId, name: use.name, prefix: use.prefix, userId: use.userId },
          { requestId: null, ip: use.ip, userAgent: use.userAgent },
          { action: 'token.expired', targetType: 'token', targetId: use.tokenId, metadata: { expiresAt: use.expiresAt } },
        );
      });
    }
  }

  private restore(use: Pending): void {
    const newer = this.pending.get(use.tokenId);
    if (!newer) {
      this.pending.set(use.tokenId, use);
      return;
    }
    newer.firstAt = use.firstAt;
    newer.count += use.count;
    for (const ip of use.ips) if (newer.ips.size < MAX_IPS_PER_BATCH) newer.ips.add(ip);
    if (newer.requestIds && use.requestIds) newer.requestIds = [...use.requestIds, ...newer.requestIds].slice(0, MAX_REQUEST_IDS_PER_BATCH);
    for (const [day, count] of use.days) newer.days.set(day, (newer.days.get(day) ?? 0) + count);
    // The older batch's IPs are less recent than the newer one's.
    const merged = new Map(use.recentIps);
    for (const [ip, at] of newer.recentIps) noteIp(merged, ip, at);
    newer.recentIps = merged;
  }

  /**
   * Token rows first (in id order), then the audit events (which lock each org's
   * row): the order every other write takes (change the token, then record the
   * event), so a flush on one node and a revocation on another cannot deadlock.
   */
  private async writeUses(batch: Pending[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const use of [...batch].sort((a, b) => compare(a.tokenId, b.tokenId))) {
        const lastAt = new Date(use.lastAt).toISOString();
        await trx
          .updateTable('tokens')
          .set({ last_used_at: lastAt, last_used_ip: use.ip, last_user_agent: use.userAgent })
          .where('id', '=', use.tokenId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', lastAt)]))
          .execute();
      }
      await writeUsageCounters(trx, batch);
      // One chain append per org (the batch is sorted by org).
      const byOrg = new Map<string, AuditEntry[]>();
      for (const use of batch) {
        const entries = byOrg.get(use.orgId) ?? [];
        const metadata: Record<string, unknown> = { count: use.count, firstAt: new Date(use.firstAt).toISOString(), lastAt: new Date(use.lastAt).toISOString(), ips: [...use.ips] };
        // With request ids kept, the event carries them all and its own request id is the last use's.
        if (use.requestIds) {
          metadata.requestIds = use.requestIds;
          if (use.requestIds.length < use.count) metadata.requestIdsOmitted = use.count - use.requestIds.length;
        }
        entries.push({
          actor: { type: 'token', id: use.tokenId, name: use.name, prefix: use.prefix, userId: use.userId },
          meta: { requestId: use.requestIds?.at(-1) ?? null, ip: use.ip, userAgent: use.userAgent },
          input: { action: 'token.used', targetType: 'token', targetId: use.tokenId, metadata },
        });
        byOrg.set(use.orgId, entries);
      }
      const at = this.clock.now();
      for (const [orgId, entries] of byOrg) await recordEvents(trx, this.hasher, at, orgId, entries);
    });
  }
}

/** Adds the batch's uses to the daily counters and notes the IPs' last use: one upsert per table. */
async function writeUsageCounters(trx: Transaction<Database>, batch: Pending[]): Promise<void> {
  const days = batch.flatMap((use) => [...use.days].map(([day, count]) => ({ token_id: use.tokenId, day: new Date(day * DAY_MS).toISOString().slice(0, 10), count })));
  if (days.length > 0) {
    await trx
      .insertInto('token_usage_daily')
      .values(days)
      .onConflict((oc) => oc.columns(['token_id', 'day']).doUpdateSet({ count: sql<number>`token_usage_daily.count + excluded.count` }))
      .execute();
  }
  const ips = batch.flatMap((use) => [...use.recentIps].map(([ip, at]) => ({ token_id: use.tokenId, ip, last_at: new Date(at).toISOString() })));
  if (ips.length > 0) {
    await trx
      .insertInto('token_usage_ips')
      .values(ips)
      .onConflict((oc) =>
        oc
          .columns(['token_id', 'ip'])
          .doUpdateSet({ last_at: (eb) => eb.ref('excluded.last_at') })
          .where((eb) => eb('excluded.last_at', '>', eb.ref('token_usage_ips.last_at'))),
      )
      .execute();
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
