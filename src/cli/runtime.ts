// What every CLI command needs: the config, the pepper, the database, and the
// service dependencies built from them.
import { existsSync } from 'node:fs';
import { isPostgresUrl, loadConfig, type Config } from '../config.js';
import { openDatabase, migrateToLatest, type DatabaseHandle } from '../db/connect.js';
import { publishChange } from '../db/notify.js';
import { systemClock } from '../clock.js';
import type { Deps } from '../deps.js';
import { loadPepper, SecretHasher } from '../tokens/hashing.js';
import { LastUseRecorder } from '../tokens/last-use.js';

export interface GlobalOptions {
  dataDir?: string | undefined;
}

export interface Runtime {
  config: Config;
  pepper: Buffer;
  handle: DatabaseHandle;
  deps: Deps;
  close(): Promise<void>;
}

export async function openRuntime(options: GlobalOptions, init: { createPepper: boolean }): Promise<Runtime> {
  const config = loadConfig({ dataDir: options.dataDir });
  const pepper = loadPepper(config.dataDir, process.env, { create: init.createPepper });
  const handle = openDatabase(config.databaseUrl);
  await migrateToLatest(handle);
  const hasher = new SecretHasher(pepper);
  const lastUse = new LastUseRecorder(handle.db, systemClock, hasher);
  const deps: Deps = { db: handle.db, config, clock: systemClock, hasher, lastUse, changed: async () => undefined };
  // A command run against a shared PostgreSQL tells the serving nodes, so their caches drop what it changed.
  if (handle.dialect === 'postgres') deps.publishChange = (trx, orgId) => publishChange(trx, orgId, 'cli');
  return {
    config,
    pepper,
    handle,
    deps,
    close: async () => {
      await lastUse.stop();
      await handle.close();
    },
  };
}

/** Whether the database at `url` exists and holds an org, read without creating a file that is not there. */
export async function databaseHasOrg(url: string): Promise<boolean> {
  if (!isPostgresUrl(url) && !existsSync(url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url)) return false;
  const handle = openDatabase(url);
  try {
    await migrateToLatest(handle);
    return (await handle.db.selectFrom('orgs').select('id').limit(1).executeTakeFirst()) !== undefined;
  } finally {
    await handle.close();
  }
}

export async function hasOrg(runtime: Runtime): Promise<boolean> {
  return (await runtime.deps.db.selectFrom('orgs').select('id').limit(1).executeTakeFirst()) !== undefined;
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}
