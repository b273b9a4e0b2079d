// Delivers the outbox. Each node runs a dispatcher; a delivery is claimed with a
// lease in one statement (PostgreSQL: FOR UPDATE SKIP LOCKED, so two nodes never
// claim the same row; SQLite: a single writer), attempted outside any
// transaction, then recorded only if this node still holds the lease. A node that
// dies mid-attempt leaves a lease that runs out, and another node (or this one,
// restarted) tries again: delivery is at least once, and the Latchkey-Event-Id
// header lets a receiver drop the rare repeat.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Kysely, Transaction } from 'kysely';
import type { WebhookOptions } from '../config.js';
import type { DialectName } from '../db/connect.js';
import type { Database, WebhookDeliveriesTable, WebhooksTable } from '../db/schema.js';
import type { Deps } from '../deps.js';
import { recordEvent, SYSTEM_ACTOR } from '../audit/record.js';
import { newId } from '../random.js';
import { DestinationRefused, guardedLookup, hostOf, refusedRange } from './destination.js';
import { openSecret, signature, SIGNATURE_HEADER } from './signing.js';

const BATCH = 20;
/** How long past the attempt's own timeout a claim is held before another node may take it. */
const LEASE_MARGIN_MS = 30_000;
const MAX_ERROR_LENGTH = 300;

export interface AttemptResult {
  ok: boolean;
  statusCode: number | null;
  error: string | null;
}

/** The delay before attempt n+1 after n failures: base, 2×base, 4×base … capped. */
export function retryDelayMs(options: WebhookOptions, failures: number): number {
  return Math.min(options.retryBaseMs * 2 ** Math.max(failures - 1, 0), options.retryMaxMs);
}

/** One POST with the guarded lookup and a deadline covering connection, headers and body. */
export function post(url: URL, body: string, headers: Record<string, string>, options: WebhookOptions): Promise<AttemptResult> {
  return new Promise((resolve) => {
    const host = hostOf(url);
    if (isIP(host) && !options.allowPrivateNetworks) {
      const range = refusedRange(host);
      if (range) return resolve({ ok: false, statusCode: null, error: new DestinationRefused(host, host, range).message });
    }
    const client = url.protocol === 'https:' ? https : http;
    let settled = false;
    const finish = (result: AttemptResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(options.allowPrivateNetworks),
        agent: false,
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          finish({ ok: code >= 200 && code < 300, statusCode: code, error: code >= 200 && code < 300 ? null : `HTTP ${code}` });
        });
        res.on('error', (error) => finish({ ok: false, statusCode: res.statusCode ?? null, error: error.message }));
      },
    );
    const deadline = setTimeout(() => {
      req.destroy();
      finish({ ok: false, statusCode: null, error: `timed out after ${options.timeoutMs} ms` });
    }, options.timeoutMs);
    req.on('error', (error) => finish({ ok: false, statusCode: null, error: error.message }));
    req.end(body);
  });
}

interface Claimed {
  delivery: WebhookDeliveriesTable;
  webhook: WebhooksTable | undefined;
}

export class WebhookDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;
  readonly nodeId = newId('node');

  constructor(
    private readonly deps: Deps,
    private readonly dialect: DialectName,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  private get options(): WebhookOptions {
    return this.deps.config.webhooks;
  }

  private get db(): Kysely<Database> {
    return this.deps.db;
  }

  start(): void {
    const every = this.options.pollIntervalMs;
    if (every <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.running) void this.runOnce().catch(this.onError);
    }, every);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Claims what is due and attempts it; returns how many attempts were made. Calls do not overlap. */
  runOnce(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.attemptDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Deliveries waiting to be made (the queue depth). */
  async pending(): Promise<number> {
    const { count } = await this.db
      .selectFrom('webhook_deliveries')
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('status', '=', 'pending')
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  private async attemptDue(): Promise<number> {
    let attempted = 0;
    for (;;) {
      if (this.stopped) return attempted;
      const claimed = await this.claim();
      if (claimed.length === 0) return attempted;
      await Promise.all(claimed.map((c) => this.attempt(c)));
      attempted += claimed.length;
      if (claimed.length < BATCH) return attempted;
    }
  }

  private async claim(): Promise<Claimed[]> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const lease = new Date(now.getTime() + this.options.timeoutMs + LEASE_MARGIN_MS).toISOString();
    let due = this.db
      .selectFrom('webhook_deliveries')
      .select('id')
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', nowIso)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowIso)]))
      .orderBy('next_attempt_at')
      .limit(BATCH);
    if (this.dialect === 'postgres') due = due.forUpdate().skipLocked();
    const deliveries = await this.db
      .updateTable('webhook_deliveries')
      .set({ claimed_until: lease, claimed_by: this.nodeId })
      .where('id', 'in', due)
      .where('status', '=', 'pending')
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowIso)]))
      .returningAll()
      .execute();
    if (deliveries.length === 0) return [];
    const hooks = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', 'in', [...new Set(deliveries.map((d) => d.webhook_id))])
      .execute();
    const byId = new Map(hooks.map((h) => [h.id, h]));
    return deliveries.map((delivery) => ({ delivery, webhook: byId.get(delivery.webhook_id) }));
  }

  private async attempt({ delivery, webhook }: Claimed): Promise<void> {
    if (!webhook || webhook.deleted_at !== null || webhook.status !== 'active') {
      await this.finish(delivery, { status: 'cancelled', last_error: 'the endpoint was deleted or disabled' });
      return;
    }
    const attempt = Number(delivery.attempts) + 1;
    const timestamp = Math.floor(this.deps.clock.now().getTime() / 1000);
    let result: AttemptResult;
    try {
      const secret = openSecret(this.deps.hasher, webhook.secret);
      result = await post(
        new URL(webhook.url),
        delivery.payload,
        {
          'Content-Type': 'application/json',
          'User-Agent': 'Latchkey-Webhooks/1',
          [SIGNATURE_HEADER]: signature(secret, timestamp, delivery.payload),
          'Latchkey-Event-Id': delivery.event_id,
          'Latchkey-Event-Type': delivery.event_type,
          'Latchkey-Delivery-Id': delivery.id,
          'Latchkey-Delivery-Attempt': String(attempt),
        },
        this.options,
      );
    } catch (error) {
      result = { ok: false, statusCode: null, error: (error as Error).message };
    }
    await this.record(delivery, webhook, attempt, result);
  }

  /** Writes an attempt's outcome, if this node still holds the claim. */
  private async record(delivery: WebhookDeliveriesTable, webhook: WebhooksTable, attempt: number, result: AttemptResult): Promise<void> {
    const now = this.deps.clock.now();
    const nowIso = now.toISOString();
    const outcome = { attempts: attempt, last_attempt_at: nowIso, last_status_code: result.statusCode, last_error: result.error?.slice(0, MAX_ERROR_LENGTH) ?? null };
    await this.db.transaction().execute(async (trx) => {
      if (result.ok) {
        const done = await trx
          .updateTable('webhook_deliveries')
          .set({ ...outcome, status: 'delivered', delivered_at: nowIso, claimed_until: null, claimed_by: null })
          .where('id', '=', delivery.id)
          .where('claimed_by', '=', this.nodeId)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) > 0) {
          await trx.updateTable('webhooks').set({ failing_since: null }).where('id', '=', webhook.id).where('failing_since', 'is not', null).execute();
        }
        return;
      }
      const tooOld = now.getTime() - new Date(delivery.created_at).getTime() >= this.options.disableAfterMs;
      const failed = await trx
        .updateTable('webhook_deliveries')
        .set({
          ...outcome,
          status: tooOld ? 'failed' : 'pending',
          next_attempt_at: new Date(now.getTime() + retryDelayMs(this.options, attempt)).toISOString(),
          claimed_until: null,
          claimed_by: null,
        })
        .where('id', '=', delivery.id)
        .where('claimed_by', '=', this.nodeId)
        .executeTakeFirst();
      if (Number(failed.numUpdatedRows) === 0) return;
      const hook = await trx.selectFrom('webhooks').select(['failing_since', 'status']).where('id', '=', webhook.id).executeTakeFirst();
      if (!hook || hook.status !== 'active') return;
      if (hook.failing_since === null) {
        await trx.updateTable('webhooks').set({ failing_since: nowIso }).where('id', '=', webhook.id).execute();
      } else if (now.getTime() - new Date(hook.failing_since).getTime() >= this.options.disableAfterMs) {
        await this.disable(trx, webhook, hook.failing_since, outcome.last_error, now);
      }
    });
  }

  /** A day of failures: the endpoint is disabled, its queue dropped, and that is recorded. */
  private async disable(trx: Transaction<Database>, webhook: WebhooksTable, failingSince: string, lastError: string | null, now: Date): Promise<void> {
    const reason = `failing since ${failingSince}${lastError ? ` (last error: ${lastError})` : ''}`;
    const disabled = await trx
      .updateTable('webhooks')
      .set({ status: 'disabled', disabled_at: now.toISOString(), disabled_reason: reason })
      .where('id', '=', webhook.id)
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (Number(disabled.numUpdatedRows) === 0) return;
    await trx
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', last_error: 'the endpoint was disabled after a day of failures' })
      .where('webhook_id', '=', webhook.id)
      .where('status', '=', 'pending')
      .execute();
    await recordEvent(trx, this.deps.hasher, now, webhook.org_id, SYSTEM_ACTOR, { requestId: null, ip: null, userAgent: null }, {
      action: 'webhook.disabled',
      targetType: 'webhook',
      targetId: webhook.id,
      metadata: { url: webhook.url, failingSince, reason },
    });
  }

  private async finish(delivery: WebhookDeliveriesTable, fields: Partial<WebhookDeliveriesTable>): Promise<void> {
    await this.db
      .updateTable('webhook_deliveries')
      .set({ ...fields, claimed_until: null, claimed_by: null })
      .where('id', '=', delivery.id)
      .where('claimed_by', '=', this.nodeId)
      .execute();
  }
}
