// How several nodes on one PostgreSQL hear about each other's changes: change()
// publishes the org id with NOTIFY inside its transaction (delivered at commit),
// and every node keeps one dedicated connection that LISTENs and invalidates that
// org's cached credentials. A dropped connection may have missed notifications,
// so the listener reports when it stops and starts hearing, and the cache
// empties itself both times (see tokens/cache.ts).
import { sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export const CHANGES_CHANNEL = 'latchkey_changes';

/**
 * The payload is `<orgId> <origin> <tokens>`: the node that made the change has
 * already invalidated its own cache after commit, so its listener skips its own
 * echo (which would otherwise throw away the entries re-read since). `<tokens>`
 * is `*` (any token's verify answer may have changed) or the comma-separated ids
 * of the tokens whose answers may have (possibly none), for verifiers
 * (GET /v1/verify/events).
 */
export async function publishChange(trx: Transaction<Database>, orgId: string, origin: string, tokenIds?: readonly string[]): Promise<void> {
  await sql`select pg_notify(${CHANGES_CHANNEL}, ${`${orgId} ${origin} ${encodeTokenIds(tokenIds)}`})`.execute(trx);
}

/** NOTIFY payloads must stay under 8000 bytes; a longer list is sent as "all". */
const MAX_TOKEN_LIST = 6000;

function encodeTokenIds(tokenIds: readonly string[] | undefined): string {
  if (tokenIds === undefined) return '*';
  const list = tokenIds.join(',');
  return list.length > MAX_TOKEN_LIST ? '*' : list;
}

/** Parses a payload; a payload without the token part (an older node's) means "all". */
export function parseChange(payload: string): { orgId: string; origin: string; tokenIds: string[] | undefined } | null {
  const [orgId, origin = '', tokens = '*'] = payload.split(' ', 3);
  if (!orgId) return null;
  return { orgId, origin, tokenIds: tokens === '*' ? undefined : tokens.split(',').filter(Boolean) };
}

export interface ChangeListenerEvents {
  /** An org's state changed on another node (`tokenIds` as in db/change.ts). */
  onChange(orgId: string, tokenIds: string[] | undefined): void;
  /** Whether every change is being heard from now on. */
  onListening(listening: boolean): void;
  onError?(error: unknown): void;
}

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;

export class ChangeListener {
  private client: pg.Client | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;
  private stopped = false;
  /** The listening connection's server process id, while connected (tests terminate it). */
  backendPid: number | null = null;

  constructor(
    private readonly url: string,
    /** This node's origin in published changes; its own are skipped. */
    private readonly origin: string,
    private readonly events: ChangeListenerEvents,
  ) {}

  /** Resolves once listening, or after the first failure (it keeps retrying in the background). */
  start(): Promise<void> {
    this.stopped = false;
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const client = this.client;
    this.client = null;
    this.backendPid = null;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    // TCP keepalive, so a half-open connection is noticed (and the cache bypassed) rather than trusted.
    const client = new pg.Client({ connectionString: this.url, application_name: 'latchkey change listener', keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
    this.client = client;
    let lost = false;
    const onLost = (error?: unknown): void => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      this.backendPid = null;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.stopped) return;
      if (error !== undefined) this.events.onError?.(error);
      this.events.onListening(false);
      this.retryLater();
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel !== CHANGES_CHANNEL || !message.payload) return;
      const change = parseChange(message.payload);
      if (change && change.origin !== this.origin) this.events.onChange(change.orgId, change.tokenIds);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      if (lost || this.stopped) return;
      this.backendPid = rows[0]?.pid ?? null;
      this.failures = 0;
      this.events.onListening(true);
    } catch (error) {
      onLost(error);
    }
  }

  private retryLater(): void {
    if (this.retryTimer || this.stopped) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** this.failures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
    this.retryTimer.unref();
  }
}
