// One-line setup for tests: a real app on a real database (a fresh SQLite file per
// app, or a fresh schema in the run's PostgreSQL database in the postgres project),
// an org with an owner and a token, and small request helpers.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { ManualClock, type Clock } from '../src/clock.js';
import { loadConfig, type LoadConfigOptions } from '../src/config.js';
import { buildApp } from '../src/http/app.js';
import type { VerifyEventHub } from '../src/tokens/verify-events.js';
import type { Deps } from '../src/deps.js';
import { initialize } from '../src/orgs/bootstrap.js';
import { hashPassword } from '../src/auth/passwords.js';
import { newId } from '../src/random.js';
import { inject } from 'vitest';
import { createSchema, dropSchema, withSearchPath } from './postgres.js';

export const TEST_SCOPES = [
  { scope: 'issues:read', category: 'Data', description: 'Read issues' },
  { scope: 'issues:write', category: 'Data', description: 'Write issues' },
  { scope: 'machines:read', category: 'Fleet', description: 'List machines' },
];

export const OWNER_PASSWORD = 'correct horse battery staple';

/** Collects everything the server logs, so tests can search it for secrets. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.lines.push(chunk.toString('utf8'));
    done();
  }
  get text(): string {
    return this.lines.join('');
  }
}

export interface TestApp {
  app: FastifyInstance;
  deps: Deps;
  clock: ManualClock;
  dataDir: string;
  log: LogCapture;
  pepper: Buffer;
  /** The app's verify event streams (GET /v1/verify/events). */
  verifyEvents: VerifyEventHub;
  close(): Promise<void>;
}

export interface TestAppOptions {
  clock?: ManualClock;
  overrides?: LoadConfigOptions['overrides'];
  dataDir?: string;
  /** Log level (default debug; every line is kept in `log`). */
  logLevel?: string;
  /** The pepper (a restart on the same data directory must reuse it); random by default. */
  pepper?: Buffer;
  /** The built dashboard to serve (default: web/dist when built; null: none). */
  dashboardDir?: string | null;
}

/** The database this test project runs on (vitest.config.ts sets it per project). */
export const testDialect: 'sqlite' | 'postgres' = process.env.LATCHKEY_TEST_DIALECT === 'postgres' ? 'postgres' : 'sqlite';

/**
 * On PostgreSQL, the schema that stands for `dataDir`'s database: a new one, or
 * the one an earlier app on the same data directory made (a "restart").
 */
async function postgresDatabaseFor(dataDir: string): Promise<{ url: string; drop(): Promise<void> }> {
  const runUrl = inject('postgresRunUrl');
  const marker = path.join(dataDir, 'test-postgres-schema');
  let schema = existsSync(marker) ? readFileSync(marker, 'utf8').trim() : null;
  if (!schema) {
    schema = await createSchema(runUrl);
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(marker, schema);
  }
  const name = schema;
  return { url: withSearchPath(runUrl, name), drop: () => dropSchema(runUrl, name) };
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'latchkey-test-'));
  const postgres = testDialect === 'postgres' ? await postgresDatabaseFor(dataDir) : null;
  const config = loadConfig({
    env: {},
    cwd: dataDir,
    dataDir,
    ...(postgres ? { databaseUrl: postgres.url } : {}),
    // Background work (webhook delivery, the token sweep) runs when a test says so. A preset brings its own scope catalogue; other apps get the test scopes.
    overrides: {
      ...(options.overrides?.preset ? {} : { scopes: TEST_SCOPES }),
      passwordCost: 1024,
      lastUseFlushMs: 60_000,
      sweepIntervalSeconds: 0,
      ...options.overrides,
      webhooks: { pollIntervalMs: 0, ...options.overrides?.webhooks },
    },
  });
  const clock = options.clock ?? new ManualClock(new Date());
  const log = new LogCapture();
  const pepper = options.pepper ?? randomBytes(32);
  const { app, deps, verifyEvents } = await buildApp({
    config,
    pepper,
    clock: clock as Clock,
    logStream: log,
    logLevel: options.logLevel ?? 'debug',
    ...(options.dashboardDir !== undefined ? { dashboardDir: options.dashboardDir } : {}),
  });
  return {
    app,
    deps,
    clock,
    dataDir,
    log,
    pepper,
    verifyEvents,
    close: async () => {
      await app.close();
      // A caller's own data directory may be opened again, so its database stays
      // (the run's PostgreSQL database is dropped at the end anyway).
      if (!options.dataDir) {
        rmSync(dataDir, { recursive: true, force: true });
        await postgres?.drop();
      }
    },
  };
}

export interface TestOrg {
  orgId: string;
  ownerId: string;
  ownerEmail: string;
  token: string;
  tokenId: string;
}

let orgCounter = 0;

/** An org with an owner (password OWNER_PASSWORD) and the owner's first token. */
export async function createTestOrg(t: TestApp, name = `Org ${++orgCounter}`): Promise<TestOrg> {
  const email = `owner-${randomBytes(4).toString('hex')}@example.com`;
  // initialize() refuses a second org, which is right for the CLI; tests want many.
  const existing = await t.deps.db.selectFrom('orgs').select('id').execute();
  if (existing.length > 0) return createExtraOrg(t, name, email);
  const result = await initialize(t.deps, { orgName: name, email, password: OWNER_PASSWORD });
  return { orgId: result.org.id, ownerId: result.user.id, ownerEmail: email, token: result.token, tokenId: result.tokenId };
}

async function createExtraOrg(t: TestApp, name: string, email: string): Promise<TestOrg> {
  // Same path a person takes: an existing user creates an org, then mints a token.
  const now = t.clock.now();
  const userId = newId('usr', now);
  await t.deps.db
    .insertInto('users')
    .values({ id: userId, email, name: email.split('@')[0]!, password_hash: await hashPassword(OWNER_PASSWORD, 1024), created_at: now.toISOString() })
    .execute();
  const session = await login(t, email, OWNER_PASSWORD);
  const org = await request(t, { method: 'POST', url: '/v1/orgs', session, payload: { name } });
  if (org.statusCode !== 201) throw new Error(`org creation failed: ${org.body}`);
  const orgId = org.json().id as string;
  const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session: { ...session, orgId }, payload: { name: 'owner token' } });
  if (minted.statusCode !== 201) throw new Error(`mint failed: ${minted.body}`);
  return { orgId, ownerId: userId, ownerEmail: email, token: minted.json().token, tokenId: minted.json().id };
}

export interface Session {
  cookie: string;
  csrfToken: string;
  orgId?: string;
}

export async function login(t: TestApp, email: string, password: string): Promise<Session> {
  const res = await t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  const cookie = res.cookies.find((c) => c.name === 'latchkey_session');
  if (!cookie) throw new Error('no session cookie');
  return { cookie: `latchkey_session=${cookie.value}`, csrfToken: res.json().csrfToken };
}

export interface RequestOptions extends Omit<InjectOptions, 'headers'> {
  token?: string;
  session?: Session;
  headers?: Record<string, string>;
}

/** inject() with a bearer token or a session (cookie + CSRF header) attached. */
export function request(t: TestApp, options: RequestOptions): Promise<LightMyRequestResponse> {
  const { token, session, headers = {}, ...rest } = options;
  const all: Record<string, string> = { ...headers };
  if (token) all.authorization = `Bearer ${token}`;
  if (session) {
    all.cookie = session.cookie;
    all['x-csrf-token'] = session.csrfToken;
    if (session.orgId) all['latchkey-org'] = session.orgId;
  }
  return t.app.inject({ ...rest, headers: all } as InjectOptions) as Promise<LightMyRequestResponse>;
}

/** Adds a member with a role and returns their id, password and a token of theirs. */
export async function addMember(t: TestApp, org: TestOrg, role: string): Promise<{ userId: string; email: string; token: string; tokenId: string; session: Session }> {
  const email = `${role}-${randomBytes(4).toString('hex')}@example.com`;
  const invited = await request(t, { method: 'POST', url: '/v1/members', token: org.token, payload: { email, role } });
  if (invited.statusCode !== 201) throw new Error(`invite failed: ${invited.body}`);
  const accepted = await t.app.inject({
    method: 'POST',
    url: '/v1/auth/accept-invite',
    payload: { inviteToken: invited.json().inviteToken, password: OWNER_PASSWORD, name: role },
  });
  if (accepted.statusCode !== 201) throw new Error(`accept failed: ${accepted.body}`);
  const cookie = accepted.cookies.find((c) => c.name === 'latchkey_session')!;
  const session = { cookie: `latchkey_session=${cookie.value}`, csrfToken: accepted.json().csrfToken as string };
  const minted = await request(t, { method: 'POST', url: '/v1/api-tokens', session, payload: { name: `${role} token` } });
  if (minted.statusCode !== 201) throw new Error(`member mint failed: ${minted.body}`);
  return { userId: accepted.json().user.id, email, token: minted.json().token, tokenId: minted.json().id, session };
}

export function expectProblem(res: LightMyRequestResponse, status: number, code: string): Record<string, unknown> {
  const body = res.json() as Record<string, unknown>;
  if (res.statusCode !== status || body.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.statusCode} ${res.body}`);
  }
  if (!String(res.headers['content-type']).startsWith('application/problem+json')) throw new Error(`not problem+json: ${res.headers['content-type']}`);
  if (typeof body.requestId !== 'string' || body.requestId !== res.headers['x-request-id']) throw new Error('problem without the request id');
  return body;
}
