// The periodic token sweep (SPEC §10), at start and every LATCHKEY_SWEEP_INTERVAL
// seconds on every node:
//  - expiry warnings: `token.expiring` ({ token, daysLeft }, an audit event and so
//    a webhook) once per token for each of 60, 30 and 7 days before it expires.
//    A row in token_expiry_warnings per token and threshold, inserted in the
//    event's transaction, makes that once-only across restarts and nodes. A
//    token is warned at a threshold only if it lived longer than it (a 30-day
//    token is not told on day one that it has 30 days left), and when several
//    thresholds pass at once (a node was down) only the nearest is sent.
//  - policy.revokeUnusedAfterDays: tokens unused that long are revoked with
//    reason `unused`.
import { DAY_MS } from '../clock.js';
import type { Deps } from '../deps.js';
import { recordEvent, recordEvents, SYSTEM_ACTOR } from '../audit/record.js';
import { change } from '../db/change.js';
import { parsePolicy } from '../orgs/policy.js';

export const EXPIRY_THRESHOLDS_DAYS = [7, 30, 60] as const;
const BATCH = 500;
const NO_META = { requestId: null, ip: null, userAgent: null };

export interface SweepResult {
  warned: number;
  revoked: number;
}

export async function sweepTokens(deps: Deps): Promise<SweepResult> {
  // Uses this node noted but has not written yet count as uses.
  await deps.lastUse.flush();
  const warned = await warnExpiring(deps);
  const revoked = await revokeUnused(deps);
  return { warned, revoked };
}

async function warnExpiring(deps: Deps): Promise<number> {
  const now = deps.clock.now();
  const nowIso = now.toISOString();
  let warned = 0;
  for (const threshold of EXPIRY_THRESHOLDS_DAYS) {
    const horizon = new Date(now.getTime() + threshold * DAY_MS).toISOString();
    let after = '';
    for (;;) {
      const candidates = await deps.db
        .selectFrom('tokens as t')
        .select(['t.id', 't.org_id', 't.name', 't.prefix', 't.kind', 't.expires_at', 't.created_at', 't.owner_user_id', 't.service_account_id'])
        .where('t.revoked_at', 'is', null)
        .where('t.expires_at', '>', nowIso)
        .where('t.expires_at', '<=', horizon)
        .where('t.id', '>', after)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('token_expiry_warnings as w').select('w.token_id').whereRef('w.token_id', '=', 't.id').where('w.threshold_days', '=', threshold))),
        )
        .orderBy('t.id')
        .limit(BATCH)
        .execute();
      for (const token of candidates) {
        const expiresAt = new Date(token.expires_at!).getTime();
        const lifetime = expiresAt - new Date(token.created_at).getTime();
        if (lifetime <= threshold * DAY_MS) continue;
        // This threshold and every larger one the token qualified for are done.
        const thresholds = EXPIRY_THRESHOLDS_DAYS.filter((t) => t >= threshold && lifetime > t * DAY_MS);
        const daysLeft = Math.ceil((expiresAt - now.getTime()) / DAY_MS);
        const sent = await deps.db.transaction().execute(async (trx) => {
          const inserted = await trx
            .insertInto('token_expiry_warnings')
            .values(thresholds.map((t) => ({ token_id: token.id, threshold_days: t, created_at: nowIso })))
            .onConflict((oc) => oc.doNothing())
            .returning('threshold_days')
            .execute();
          if (!inserted.some((r) => Number(r.threshold_days) === threshold)) return false;
          await recordEvent(trx, deps.hasher, now, token.org_id, SYSTEM_ACTOR, NO_META, {
            action: 'token.expiring',
            targetType: 'token',
            targetId: token.id,
            metadata: {
              token: {
                id: token.id,
                name: token.name,
                prefix: token.prefix,
                kind: token.kind,
                expiresAt: token.expires_at,
                ownerUserId: token.owner_user_id,
                serviceAccountId: token.service_account_id,
              },
              daysLeft,
              threshold,
            },
          });
          return true;
        });
        if (sent) warned++;
      }
      if (candidates.length < BATCH) break;
      after = candidates[candidates.length - 1]!.id;
    }
  }
  return warned;
}

async function revokeUnused(deps: Deps): Promise<number> {
  const orgs = await deps.db.selectFrom('orgs').select(['id', 'policy']).execute();
  let revoked = 0;
  for (const org of orgs) {
    const days = parsePolicy(org.policy).revokeUnusedAfterDays;
    if (!days) continue;
    for (;;) {
      const now = deps.clock.now();
      const nowIso = now.toISOString();
      const cutoff = new Date(now.getTime() - days * DAY_MS).toISOString();
      const stale = await deps.db
        .selectFrom('tokens')
        .select(['id', 'name', 'prefix', 'kind', 'last_used_at'])
        .where('org_id', '=', org.id)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowIso)]))
        .where((eb) => eb(eb.fn.coalesce('last_used_at', 'created_at'), '<', cutoff))
        .orderBy('id')
        .limit(BATCH)
        .execute();
      // Only an org with something to revoke pays for a change (and its caches' flush).
      if (stale.length === 0) break;
      const count = await change(deps, org.id, async (trx) => {
        // Re-checked in the write: a use or a revocation (another node sweeping) may have landed since.
        const done = await trx
          .updateTable('tokens')
          .set({ revoked_at: nowIso })
          .where('id', 'in', stale.map((t) => t.id))
          .where('revoked_at', 'is', null)
          .where((eb) => eb(eb.fn.coalesce('last_used_at', 'created_at'), '<', cutoff))
          .returning('id')
          .execute();
        const ids = new Set(done.map((r) => r.id));
        await recordEvents(
          trx,
          deps.hasher,
          now,
          org.id,
          stale
            .filter((t) => ids.has(t.id))
            .map((t) => ({
              actor: SYSTEM_ACTOR,
              meta: NO_META,
              input: {
                action: 'token.revoked',
                targetType: 'token',
                targetId: t.id,
                metadata: { name: t.name, prefix: t.prefix, kind: t.kind, reason: 'unused', unusedDays: days, lastUsedAt: t.last_used_at },
              },
            })),
        );
        return ids.size;
      });
      revoked += count;
      if (stale.length < BATCH || count === 0) break;
    }
  }
  return revoked;
}

/** Runs the sweep at start and then every `intervalSeconds` (0: never). */
export class TokenSweeper {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;

  constructor(
    private readonly deps: Deps,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  start(): void {
    const seconds = this.deps.config.sweepIntervalSeconds;
    if (seconds <= 0 || this.timer) return;
    this.run();
    // setInterval takes at most 2^31-1 ms (about 24.8 days); beyond that it would fire every millisecond.
    this.timer = setInterval(() => this.run(), Math.min(seconds * 1000, 2 ** 31 - 1));
    this.timer.unref();
  }

  private run(): void {
    if (this.running) return;
    this.running = sweepTokens(this.deps)
      .catch(this.onError)
      .finally(() => {
        this.running = null;
      });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}
