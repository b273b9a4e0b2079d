// Databases for the benchmark: an org with its owner and the owner's token made
// the normal way (buildApp + initialize), then, on SQLite, any number of extra
// personal tokens written in bulk straight through better-sqlite3 (prepared
// statements, large transactions), keeping only a sample of their plaintexts.
import SQLite from 'better-sqlite3';
import { loadConfig, type Config, type TokenCacheOptions } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import { initialize } from '../src/orgs/bootstrap.js';
import { displayPrefix, generateToken } from '../src/tokens/format.js';
import { SecretHasher } from '../src/tokens/hashing.js';

export const BENCH_SCOPES = [
  { scope: 'issues:read', category: 'Data', description: 'Read issues' },
  { scope: 'issues:write', category: 'Data', description: 'Write issues' },
];

export function benchConfig(dataDir: string, databaseUrl: string, tokenCache: Partial<TokenCacheOptions> = {}): Config {
  return loadConfig({ env: {}, cwd: dataDir, dataDir, databaseUrl, overrides: { scopes: BENCH_SCOPES, tokenCache } });
}

export interface SeededDatabase {
  databaseUrl: string;
  orgId: string;
  ownerId: string;
  /** The owner's token: the caller of /v1/verify (it holds tokens:verify). */
  callerToken: string;
}

export async function createOrg(dataDir: string, databaseUrl: string, pepper: Buffer): Promise<SeededDatabase> {
  const { app, deps } = await buildApp({ config: benchConfig(dataDir, databaseUrl), pepper, logStream: false });
  try {
    const init = await initialize(deps, { orgName: 'Bench', email: 'bench@example.com', password: null });
    return { databaseUrl, orgId: init.org.id, ownerId: init.user.id, callerToken: init.token };
  } finally {
    await app.close();
  }
}

const BATCH = 100_000;

/**
 * Adds `count` personal tokens of the owner to a SQLite database and returns
 * `sampleSize` of their plaintexts, spread over the whole range.
 */
export function addTokens(file: string, pepper: Buffer, seeded: SeededDatabase, count: number, sampleSize: number): string[] {
  const hasher = new SecretHasher(pepper);
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertToken = db.prepare(
    `insert into tokens (id, org_id, kind, owner_user_id, service_account_id, role, owner_key, name, prefix, team_id, grants, expires_at, created_at,
       created_by_type, created_by_id, parent_token_id, revoked_at, rolled_at, last_used_at, last_used_ip, last_user_agent)
     values (?, ?, 'personal', ?, null, null, ?, ?, ?, null, null, null, ?, 'system', null, null, null, null, null, null, null)`,
  );
  const insertSecret = db.prepare(`insert into token_secrets (hash, token_id, created_at, retired_at, valid_until) values (?, ?, ?, null, null)`);
  const now = new Date().toISOString();
  const every = Math.max(1, Math.floor(count / sampleSize));
  const sample: string[] = [];
  const insertBatch = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const secret = generateToken('lk', 'pat');
      const id = `tok_bench${i.toString().padStart(9, '0')}`;
      insertToken.run(id, seeded.orgId, seeded.ownerId, seeded.ownerId, `bench ${i}`, displayPrefix(secret), now);
      insertSecret.run(hasher.hash(secret), id, now);
      if (i % every === 0 && sample.length < sampleSize) sample.push(secret);
    }
  });
  for (let from = 0; from < count; from += BATCH) insertBatch(from, Math.min(count, from + BATCH));
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.exec('analyze');
  db.close();
  return sample;
}
