// Last use, recorded off the request path: a verification only notes the use in
// memory; a timer writes the batch (last-use columns and one `token.used` audit
// event per token with its count) in one transaction. Flushed on shutdown.
import type { Kysely } from 'kysely';
import type { Clock } from '../clock.js';
import type { Database } from '../db/schema.js';
import { recordEvent } from '../audit/record.js';

export interface TokenUse {
  tokenId: string;
  orgId: string;
  name: string;
  prefix: string;
  userId: string | null;
  ip: string | null;
  userAgent: string | null;
}

interface Pending extends TokenUse {
  firstAt: string;
  lastAt: string;
  count: number;
  ips: Set<string>;
}

const MAX_IPS_PER_BATCH = 5;

export class LastUseRecorder {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  /** O(1), no I/O: safe on the hot path. */
  record(use: TokenUse): void {
    const at = this.clock.now().toISOString();
    const entry = this.pending.get(use.tokenId);
    if (entry) {
      entry.lastAt = at;
      entry.count++;
      entry.ip = use.ip;
      entry.userAgent = use.userAgent;
      if (use.ip && entry.ips.size < MAX_IPS_PER_BATCH) entry.ips.add(use.ip);
    } else {
      this.pending.set(use.tokenId, { ...use, firstAt: at, lastAt: at, count: 1, ips: new Set(use.ip ? [use.ip] : []) });
    }
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
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    await this.db.transaction().execute(async (trx) => {
      for (const use of batch) {
        await trx
          .updateTable('tokens')
          .set({ last_used_at: use.lastAt, last_used_ip: use.ip, last_user_agent: use.userAgent })
          .where('id', '=', use.tokenId)
          .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', use.lastAt)]))
          .execute();
        await recordEvent(
          trx,
          this.clock.now(),
          use.orgId,
          { type: 'token', id: use.tokenId, name: use.name, prefix: use.prefix, userId: use.userId },
          { requestId: null, ip: use.ip, userAgent: use.userAgent },
          {
            action: 'token.used',
            targetType: 'token',
            targetId: use.tokenId,
            metadata: { count: use.count, firstAt: use.firstAt, lastAt: use.lastAt, ips: [...use.ips] },
          },
        );
      }
    });
  }
}
