// "A refused request changes nothing", checked on the database itself: a cheap
// fingerprint that moves whenever anything is written (SQLite: the connection's
// total_changes(); PostgreSQL: the next transaction id, which only moves when a
// transaction writes), and a full snapshot of every table, taken again only
// when the fingerprint moved, to say exactly what changed.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/db/schema.js';

/** Events a refused request is meant to record (SPEC §6: failed logins), and their webhook deliveries. */
export const RECORDED_REFUSALS = new Set(['auth.login_failed', 'auth.login_throttled']);

export interface Snapshot {
  tables: Map<string, Set<string>>;
  /** Audit events by id → action (append-only; the hash chain covers their content). */
  audit: Map<string, string>;
}

export class DatabaseWatch {
  private tableNames: string[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: 'sqlite' | 'postgres',
  ) {}

  async fingerprint(): Promise<string> {
    const row =
      this.dialect === 'sqlite'
        ? (await sql<{ v: number }>`select total_changes() as v`.execute(this.db)).rows[0]
        : (await sql<{ v: string }>`select pg_snapshot_xmax(pg_current_snapshot())::text as v`.execute(this.db)).rows[0];
    return String(row?.v);
  }

  private async tables(): Promise<string[]> {
    if (this.tableNames.length === 0) {
      const rows =
        this.dialect === 'sqlite'
          ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(this.db)).rows
          : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(this.db)).rows;
      this.tableNames = rows.map((r) => r.name).filter((n) => !n.startsWith('kysely_') && n !== 'audit_events');
    }
    return this.tableNames;
  }

  async snapshot(): Promise<Snapshot> {
    const tables = new Map<string, Set<string>>();
    for (const table of await this.tables()) {
      const rows = (await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(this.db)).rows;
      tables.set(
        table,
        new Set(
          rows.map((row) => {
            // An org's chain head moves when a refusal is recorded; the events themselves are compared below.
            if (table === 'orgs') {
              const { audit_seq: _seq, audit_head: _head, ...rest } = row;
              return JSON.stringify(rest);
            }
            return JSON.stringify(row);
          }),
        ),
      );
    }
    const audit = new Map((await this.db.selectFrom('audit_events').select(['id', 'action']).execute()).map((e) => [e.id, e.action]));
    return { tables, audit };
  }
}

/** What changed from `before` to `after` that a refused request may not change; empty when nothing did. */
export function forbiddenChanges(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  const recorded = new Set<string>();
  for (const [id, action] of after.audit) {
    if (before.audit.has(id)) continue;
    if (RECORDED_REFUSALS.has(action)) recorded.add(id);
    else out.push(`audit_events: + ${action} ${id}`);
  }
  for (const id of before.audit.keys()) if (!after.audit.has(id)) out.push(`audit_events: - ${id}`);
  for (const [table, rows] of after.tables) {
    const old = before.tables.get(table) ?? new Set<string>();
    for (const row of rows) {
      if (old.has(row)) continue;
      if (table === 'webhook_deliveries' && recorded.has(String((JSON.parse(row) as { event_id: string }).event_id))) continue;
      out.push(`${table}: + ${row.slice(0, 300)}`);
    }
    for (const row of old) if (!rows.has(row)) out.push(`${table}: - ${row.slice(0, 300)}`);
  }
  return out;
}
