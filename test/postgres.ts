// PostgreSQL for tests: one database per `vitest run` (made by the postgres
// project's global setup, dropped at the end), one schema per test app inside it,
// so test files running in parallel never see each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The variable that turns the PostgreSQL run on: a URL whose role may create databases. */
export const TEST_DATABASE_URL_VARIABLE = 'LATCHKEY_TEST_DATABASE_URL';

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** `url` with every new connection's search_path set to `schema`. */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `-c search_path=${schema}`);
  return parsed.toString();
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * A fresh, empty database next to the one `baseUrl` names; returns its URL.
 * Ids are compared and ordered in SQL, so the database uses a linguistic
 * collation (ICU en-US) where the server has one: ordering that only works
 * under "C" would pass here and then break on a typical production cluster.
 */
export async function createDatabase(baseUrl: string, label: string): Promise<string> {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const name = `latchkey_test_${label}_${stamp}_${randomBytes(4).toString('hex')}`;
  await withClient(baseUrl, async (client) => {
    try {
      await client.query(`create database ${quote(name)} template template0 encoding 'UTF8' locale_provider icu icu_locale 'en-US' locale 'C.UTF-8'`);
    } catch {
      // No ICU (or PostgreSQL < 15): the server's default collation it is.
      await client.query(`create database ${quote(name)} template template0 encoding 'UTF8'`);
    }
  });
  return withDatabase(baseUrl, name);
}

export async function dropDatabase(baseUrl: string, url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withClient(baseUrl, (client) => client.query(`drop database if exists ${quote(name)} with (force)`));
}

/** Drops test databases a crashed run left behind (older than a day; a running one is never that old). */
export async function dropStaleDatabases(baseUrl: string): Promise<void> {
  const dayAgo = new Date(Date.now() - 86_400_000).toISOString().replace(/\D/g, '').slice(0, 14);
  await withClient(baseUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>("select datname from pg_database where datname like 'latchkey\\_test\\_%'");
    for (const { datname } of rows) {
      const stamp = /_(\d{14})_[0-9a-f]{8}$/.exec(datname)?.[1];
      if (stamp && stamp < dayAgo) await client.query(`drop database if exists ${quote(datname)} with (force)`);
    }
  });
}

let admin: pg.Pool | undefined;
let adminUrl: string | undefined;

function adminPool(runUrl: string): pg.Pool {
  if (!admin || adminUrl !== runUrl) {
    admin = new pg.Pool({ connectionString: runUrl, max: 2, idleTimeoutMillis: 1000, allowExitOnIdle: true });
    admin.on('error', () => undefined);
    adminUrl = runUrl;
  }
  return admin;
}

/** A new empty schema in the run database; returns its name. */
export async function createSchema(runUrl: string): Promise<string> {
  const schema = `app_${randomBytes(8).toString('hex')}`;
  await adminPool(runUrl).query(`create schema ${quote(schema)}`);
  return schema;
}

export async function dropSchema(runUrl: string, schema: string): Promise<void> {
  await adminPool(runUrl).query(`drop schema if exists ${quote(schema)} cascade`);
}
