// Opens the database named by the config: SQLite (better-sqlite3, the embedded
// default) or PostgreSQL (pg pool). Everything above this file is dialect-free.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import { isPostgresUrl } from '../config.js';
import { migrationProvider } from './migrations.js';
import { withStatementCache } from './statement-cache.js';
import type { Database } from './schema.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Kysely<Database>;
  dialect: DialectName;
  /** What it was opened from (a PostgreSQL node opens its change listener with it). */
  url?: string;
  /**
   * SQLite only: PRAGMA data_version, which changes when another connection (a
   * server-side CLI command, another process) commits to the file, and never for
   * this connection's own writes. The verification cache polls it to notice
   * writes that did not go through this process.
   */
  dataVersion?: () => number;
  close(): Promise<void>;
}

export function openDatabase(url: string, options: { poolSize?: number } = {}): DatabaseHandle {
  if (isPostgresUrl(url)) {
    const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10 });
    // An idle client that loses its connection must not crash the process.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', url, close: () => db.destroy() };
  }
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  const dataVersion = () => sqlite.pragma('data_version', { simple: true }) as number;
  return { db, dialect: 'sqlite', dataVersion, close: () => db.destroy() };
}

export async function migrateToLatest(handle: DatabaseHandle): Promise<string[]> {
  const { db, dialect } = handle;
  // Kysely looks for its bookkeeping tables in every schema unless told which, so
  // on PostgreSQL it is told: the connection's own (search_path). Two Latchkeys in
  // two schemas of one database then never take each other's for their own.
  const migrationTableSchema = dialect === 'postgres' ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0]?.schema : undefined;
  // Features land on parallel branches, each with its own migration: a database
  // that ran a later-numbered one first still takes an earlier one it lacks.
  const migrator = new Migrator({ db, provider: migrationProvider(dialect), migrationTableSchema, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** True when a write failed on a unique constraint, on either database. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
