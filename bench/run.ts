// `npm run bench`: verification throughput and latency, all rows measured in one
// run on this machine, printed as one Markdown table. Loopback only; servers run
// in child processes (bench/server.ts) so the load generator (autocannon, in this
// process) does not share their event loop. Not part of `npm test`.
//   LATCHKEY_BENCH_SECONDS   seconds per HTTP row (default 5)
//   LATCHKEY_BENCH_TOKENS    tokens in the large database (default 1000000)
//   LATCHKEY_BENCH_DATABASE_URL  a PostgreSQL server (else /tmp/pg-url, else PostgreSQL rows are skipped)
//   LATCHKEY_BENCH_ROWS      which rows: `server` (1–7), `sdk` (8–10, bench/sdk.ts), comma-separated; default both
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import bcrypt from 'bcryptjs';
import pg from 'pg';
import type { TokenCacheOptions } from '../src/config.js';
import type { Ctx, Deps } from '../src/deps.js';
import { buildApp } from '../src/http/app.js';
import { TokenCache } from '../src/tokens/cache.js';
import { verifyToken } from '../src/tokens/verify.js';
import { addTokens, benchConfig, createOrg, type SeededDatabase } from './seed.js';
import type { ServerSpec } from './server.js';
import { sdkRows } from './sdk.js';

const SECONDS = Number(process.env.LATCHKEY_BENCH_SECONDS ?? 5);
const BIG = Number(process.env.LATCHKEY_BENCH_TOKENS ?? 1_000_000);
const SMALL = 10_000;
const CONNECTIONS = 10;
const IN_PROCESS_SECONDS = 3;
const PROPAGATION_SAMPLES = 100;
const ROUNDS = 3;
const GROUPS = new Set((process.env.LATCHKEY_BENCH_ROWS ?? 'server,sdk').split(',').map((group) => group.trim()));

interface Row {
  label: string;
  rate?: number;
  unit?: 'req/s' | 'ops/s';
  p50?: number;
  p99?: number;
  /** Server CPU time per request (user + system), µs. */
  cpu?: number;
  /** Against the row's own baseline (named in its label), where that is not row 1. */
  ratio?: number;
  skipped?: string;
}

const rows: Row[] = [];
const log = (line: string) => process.stderr.write(`${line}\n`);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

class Samples {
  private values = new Float64Array(1 << 16);
  private length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

// ---- servers and load -------------------------------------------------------

interface Server {
  url: string;
  /** The server process's CPU time so far, µs. */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

async function startServer(spec: ServerSpec): Promise<Server> {
  const child: ChildProcess = fork(new URL('./server.js', import.meta.url), [JSON.stringify(spec)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuMicros: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve((message as { cpu: number }).cpu));
        child.send('cpu');
      }),
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** autocannon with `bodies` sent round-robin; latencies from every 2xx response. */
interface Measured {
  rate: number;
  p50: number;
  p99: number;
  cpu?: number;
}

async function load(url: string, bodies: string[], headers: Record<string, string>, seconds: number, server?: Server): Promise<Measured> {
  const cpuBefore = await server?.cpuMicros();
  let next = 0;
  const samples = new Samples();
  const instance = autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (request) => ({ ...request, body: bodies[next++ % bodies.length] }),
      },
    ],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 300) samples.push(ms);
  });
  const result = await instance;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  const cpuAfter = await server?.cpuMicros();
  const sorted = samples.sorted();
  const cpu = cpuBefore !== undefined && cpuAfter !== undefined ? (cpuAfter - cpuBefore) / result.requests.total : undefined;
  return { rate: sorted.length / result.duration, p50: percentile(sorted, 50), p99: percentile(sorted, 99), ...(cpu === undefined ? {} : { cpu }) };
}

interface HttpTarget {
  label: string;
  url: string;
  bodies: string[];
  headers?: Record<string, string>;
  server?: Server;
}

async function measureHttp(target: HttpTarget): Promise<Measured> {
  log(`${target.label} …`);
  await load(target.url, target.bodies, target.headers ?? {}, 1); // warm-up: JIT, caches, connections
  return load(target.url, target.bodies, target.headers ?? {}, SECONDS, target.server);
}

/**
 * Rows whose ratio matters, measured in alternation, ROUNDS times each, each row
 * reporting its median round: on a shared machine throughput drifts over seconds.
 */
async function alternatingRows(targets: HttpTarget[]): Promise<void> {
  const rounds = targets.map(() => [] as Measured[]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, target] of targets.entries()) rounds[i]!.push(await measureHttp(target));
  }
  for (const [i, target] of targets.entries()) {
    const sorted = rounds[i]!.sort((x, y) => x.rate - y.rate);
    rows.push({ label: target.label, unit: 'req/s', ...sorted[Math.floor(sorted.length / 2)]! });
  }
}

async function postJson(url: string, body: unknown, token: string, method = 'POST'): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

const verifyBodies = (tokens: string[]) => tokens.map((token) => JSON.stringify({ token, scope: 'issues:read' }));

async function expectValid(server: Server, seeded: SeededDatabase, token: string): Promise<void> {
  const verdict = await postJson(`${server.url}/v1/verify`, { token, scope: 'issues:read' }, seeded.callerToken);
  if (verdict.code !== 'VALID') throw new Error(`expected VALID, got ${JSON.stringify(verdict)}`);
}

// ---- in-process -------------------------------------------------------------

async function inProcess(label: string, op: (i: number) => Promise<unknown>, seconds = IN_PROCESS_SECONDS): Promise<void> {
  log(`${label} …`);
  const warmStarted = performance.now();
  let warmed = 0;
  while (performance.now() < warmStarted + 500) await op(warmed++);
  // Fast operations are timed 16 at a time, so the clock reads do not dominate; slow ones one by one.
  const batch = (performance.now() - warmStarted) / warmed < 0.05 ? 16 : 1;
  const samples = new Samples();
  const started = performance.now();
  const until = started + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    const t0 = performance.now();
    for (let j = 0; j < batch; j++) await op(count++);
    samples.push((performance.now() - t0) / batch);
  }
  const sorted = samples.sorted();
  rows.push({ label, unit: 'ops/s', rate: count / ((performance.now() - started) / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
}

async function inProcessRows(dataDir: string, seeded: SeededDatabase, pepper: Buffer, tokens: string[]): Promise<void> {
  const { app, deps } = await buildApp({ config: benchConfig(dataDir, seeded.databaseUrl), pepper, logStream: false });
  try {
    const caller = await deps.tokenCache!.resolve(seeded.callerToken);
    if (!caller.ok) throw new Error('caller token does not resolve');
    const ctx: Ctx = { actor: caller.actor, requestId: null, ip: '127.0.0.1', userAgent: 'bench' };
    const verify = (d: Deps, token: string) => verifyToken(d, ctx, { token, scope: 'issues:read' });
    const first = tokens[0]!;
    if ((await verify(deps, first)).code !== 'VALID') throw new Error('bench token does not verify');

    await inProcess('4a. in-process verifyToken, cache hit', () => verify(deps, first));
    // A cache far smaller than the set of tokens cycled through: every lookup misses, then stores.
    const missing: Deps = { ...deps };
    missing.tokenCache = new TokenCache(missing, { ...deps.config.tokenCache, maxEntries: 1_000 });
    await inProcess(`4b. in-process verifyToken, cache miss (SQLite, ${tokens.length.toLocaleString('en')} tokens cycled)`, (i) => verify(missing, tokens[i % tokens.length]!));

    // Seed 003's design: a bcrypt (cost 10) comparison of the presented secret on every request, no cache.
    const uncached: Deps = { ...deps, tokenCache: undefined };
    const bcryptHash = await bcrypt.hash(first, 10);
    await inProcess(
      '5. in-process, bcrypt cost 10 check + lookup, no cache (seed 003)',
      async () => {
        if (!(await bcrypt.compare(first, bcryptHash))) throw new Error('bcrypt mismatch');
        return verify(uncached, first);
      },
      IN_PROCESS_SECONDS,
    );
  } finally {
    await app.close();
  }
}

// ---- PostgreSQL ---------------------------------------------------------------

function postgresBaseUrl(): string | null {
  if (process.env.LATCHKEY_BENCH_DATABASE_URL) return process.env.LATCHKEY_BENCH_DATABASE_URL;
  if (existsSync('/tmp/pg-url')) return readFileSync('/tmp/pg-url', 'utf8').trim() || null;
  return null;
}

async function withAdmin<T>(baseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts two nodes on a fresh PostgreSQL database, hands node A's verify target
 * to `alongside` (measured together with rows 1 and 2), then measures row 7.
 */
async function postgresRows(dataDir: string, pepper: Buffer, alongside: (target: HttpTarget | null) => Promise<void>): Promise<void> {
  const baseUrl = postgresBaseUrl();
  if (!baseUrl) {
    await alongside(null);
    rows.push({ label: '3. POST /v1/verify + scope, PostgreSQL, warm cache', skipped: 'skipped: no PostgreSQL' });
    rows.push({ label: '7. revocation propagation between two nodes (PostgreSQL)', skipped: 'skipped: no PostgreSQL' });
    return;
  }
  const name = `latchkey_bench_${randomBytes(4).toString('hex')}`;
  await withAdmin(baseUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  const servers: Server[] = [];
  try {
    const seeded = await createOrg(dataDir, databaseUrl, pepper);
    const spec: ServerSpec = { mode: 'latchkey', dataDir, databaseUrl, pepperHex: pepper.toString('hex') };
    const [a, b] = [await startServer(spec), await startServer(spec)];
    servers.push(a!, b!);
    const nodeA = a!;
    const nodeB = b!;

    const minted = await postJson(`${nodeA.url}/v1/api-tokens`, { name: 'bench pg' }, seeded.callerToken);
    await expectValid(nodeA, seeded, minted.token as string);
    await alongside({
      label: `3. POST /v1/verify + scope, PostgreSQL, warm cache (median of ${ROUNDS})`,
      url: `${nodeA.url}/v1/verify`,
      bodies: verifyBodies([minted.token as string]),
      headers: { authorization: `Bearer ${seeded.callerToken}` },
      server: nodeA,
    });

    log('7. revocation propagation …');
    const samples = new Samples();
    for (let i = 0; i < PROPAGATION_SAMPLES; i++) {
      const token = (await postJson(`${nodeA.url}/v1/api-tokens`, { name: `propagation ${i}` }, seeded.callerToken)) as { id: string; token: string };
      // Node B has the token cached (the mint's own notification has long arrived).
      await expectValid(nodeB, seeded, token.token);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expectValid(nodeB, seeded, token.token);
      await postJson(`${nodeA.url}/v1/api-tokens/${token.id}`, undefined, seeded.callerToken, 'DELETE');
      const revokedAt = performance.now();
      for (;;) {
        const verdict = await postJson(`${nodeB.url}/v1/verify`, { token: token.token }, seeded.callerToken);
        if (verdict.code === 'REVOKED') break;
        if (performance.now() - revokedAt > 5_000) throw new Error('node B never refused the revoked token');
      }
      samples.push(performance.now() - revokedAt);
    }
    const sorted = samples.sorted();
    rows.push({ label: '7. revocation propagation between two nodes (PostgreSQL), revoke response → refused on the other node', p50: percentile(sorted, 50), p99: percentile(sorted, 99) });
  } finally {
    for (const server of servers) await server.stop();
    await withAdmin(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
  }
}

// ---- the run ------------------------------------------------------------------

function machine(): string {
  const model = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} CPUs (${model}), Node ${process.version}`;
}

function format(n: number | undefined, digits: number): string {
  if (n === undefined || Number.isNaN(n)) return '';
  return n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/** Milliseconds, to three significant digits below 1 ms (in-process rows are microseconds). */
function latency(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '';
  return ms < 1 ? String(Number(ms.toPrecision(3))) : format(ms, 2);
}

function table(): string {
  const base = rows[0]?.rate;
  const lines = ['| benchmark | rate | p50 ms | p99 ms | × row 1 (or the baseline named) | server CPU µs/req |', '|---|---:|---:|---:|---:|---:|'];
  for (const row of rows) {
    if (row.skipped) {
      lines.push(`| ${row.label} | ${row.skipped} | | | | |`);
      continue;
    }
    const rate = row.rate === undefined ? '' : `${format(row.rate, 0)} ${row.unit}`;
    const ratio = row.ratio !== undefined ? `${format(row.ratio, 2)}×` : row.rate !== undefined && base && !row.label.startsWith('8') && !row.label.startsWith('10') ? `${format(row.rate / base, 2)}×` : '';
    lines.push(`| ${row.label} | ${rate} | ${latency(row.p50)} | ${latency(row.p99)} | ${ratio} | ${format(row.cpu, 0)} |`);
  }
  return lines.join('\n');
}

function targets(): string {
  const rate = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))?.rate;
  const p99 = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))?.p99;
  const check = (name: string, value: number | undefined, ok: (v: number) => boolean, shown: (v: number) => string) =>
    value === undefined || Number.isNaN(value) ? `- ${name}: not measured` : `- ${name}: ${shown(value)} — ${ok(value) ? 'met' : 'MISSED'}`;
  const [bare, sqlite, hit, small, big] = [rate('1.'), rate('2.'), rate('4a.'), rate('6a.'), rate('6b.')];
  const cpu = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))?.cpu;
  const ratioOf = (prefix: string) => rows.find((r) => r.label.startsWith(prefix))?.ratio;
  const [bareCpu, sqliteCpu] = [cpu('1.'), cpu('2.')];
  return [
    check('row 2 ≥ 0.8× row 1', bare && sqlite ? sqlite / bare : undefined, (v) => v >= 0.8, (v) => `${format(v, 2)}×`),
    bareCpu && sqliteCpu
      ? `  (server CPU per request: row 1 ${format(bareCpu, 0)} µs, row 2 ${format(sqliteCpu, 0)} µs, so at equal CPU row 2 would do ${format(bareCpu / sqliteCpu, 2)}× row 1)`
      : '',
    check('in-process cache hit ≥ 300k/s', hit, (v) => v >= 300_000, (v) => `${format(v, 0)}/s`),
    check('1M tokens within 20% of 10k (cache off)', small && big ? big / small : undefined, (v) => v >= 0.8, (v) => `${format(v, 2)}× of 10k`),
    check('propagation p99 < 100 ms', p99('7.'), (v) => v < 100, (v) => `${format(v, 1)} ms`),
    check('SDK verifier cache hit ≥ 0.5× bare Map + SHA-256 (8b/8a)', ratioOf('8b.'), (v) => v >= 0.5, (v) => `${format(v, 2)}×`),
    check('SDK verifier cache hit ≥ 400k/s', rate('8b.'), (v) => v >= 400_000, (v) => `${format(v, 0)}/s`),
    check('revocation → middleware refusal p99 ≤ 100 ms, SQLite', p99('9a.'), (v) => v <= 100, (v) => `${format(v, 1)} ms`),
    check('revocation → middleware refusal p99 ≤ 100 ms, PostgreSQL two nodes', p99('9b.'), (v) => v <= 100, (v) => `${format(v, 1)} ms`),
    check('middleware route ≥ 0.8× the same route without it (10b/10a)', ratioOf('10b.'), (v) => v >= 0.8, (v) => `${format(v, 2)}×`),
  ]
    .filter(Boolean)
    .join('\n');
}

/** Rows 8–10: the SDK's verifier and middleware (bench/sdk.ts), on a database of their own. */
async function sdkBenchRows(dataDir: string, pepper: Buffer): Promise<void> {
  const file = path.join(dataDir, 'sdk.db');
  const seeded = await createOrg(dataDir, file, pepper);
  const spec = (databaseUrl: string): ServerSpec => ({ mode: 'latchkey', dataDir, databaseUrl, pepperHex: pepper.toString('hex') });
  const measured = await sdkRows({
    startServer,
    log,
    seconds: SECONDS,
    sqlite: { spec: spec(file), callerToken: seeded.callerToken },
    postgres: async () => {
      const baseUrl = postgresBaseUrl();
      if (!baseUrl) return null;
      const name = `latchkey_bench_${randomBytes(4).toString('hex')}`;
      await withAdmin(baseUrl, (client) => client.query(`create database ${name}`));
      const url = new URL(baseUrl);
      url.pathname = `/${name}`;
      const pgSeeded = await createOrg(dataDir, url.toString(), pepper);
      return {
        spec: spec(url.toString()),
        callerToken: pgSeeded.callerToken,
        drop: () => withAdmin(baseUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
      };
    },
  });
  rows.push(...measured);
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-bench-'));
  const pepper = randomBytes(32);
  try {
    if (GROUPS.has('server')) await serverRows(dataDir, pepper);
    if (GROUPS.has('sdk')) await sdkBenchRows(dataDir, pepper);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const order = (label: string) => label.replace(/^(\d+)([a-z]?)\..*$/, (_m, n: string, l: string) => `${n.padStart(2, '0')}${l}`);
  rows.sort((x, y) => (order(x.label) < order(y.label) ? -1 : 1));
  console.log(`Latchkey verification benchmark, ${new Date().toISOString().slice(0, 10)}, ${machine()}`);
  console.log(`HTTP rows: autocannon, ${CONNECTIONS} connections, ${SECONDS} s after a 1 s warm-up, server in a child process, logging off.\n`);
  console.log(table());
  console.log(`\nTargets:\n${targets()}`);
}

async function serverRows(dataDir: string, pepper: Buffer): Promise<void> {
  const servers: Server[] = [];
  try {
    log(`seeding SQLite: ${SMALL.toLocaleString('en')} and ${BIG.toLocaleString('en')} tokens …`);
    const smallFile = path.join(dataDir, 'small.db');
    const bigFile = path.join(dataDir, 'big.db');
    const small = await createOrg(dataDir, smallFile, pepper);
    const smallTokens = addTokens(smallFile, pepper, small, SMALL, SMALL);
    const big = await createOrg(dataDir, bigFile, pepper);
    const started = performance.now();
    const bigTokens = addTokens(bigFile, pepper, big, BIG, 20_000);
    log(`  ${BIG.toLocaleString('en')} tokens in ${((performance.now() - started) / 1000).toFixed(1)} s`);


    const spec = (file: string, tokenCache?: Partial<TokenCacheOptions>): ServerSpec => ({
      mode: 'latchkey',
      dataDir,
      databaseUrl: file,
      pepperHex: pepper.toString('hex'),
      ...(tokenCache ? { tokenCache } : {}),
    });
    const caller = (seeded: SeededDatabase) => ({ authorization: `Bearer ${seeded.callerToken}` });

    const bare = await startServer({ mode: 'bare' });
    servers.push(bare);
    const sqliteServer = await startServer(spec(smallFile));
    servers.push(sqliteServer);
    await expectValid(sqliteServer, small, smallTokens[0]!);
    await postgresRows(dataDir, pepper, (postgres) =>
      alternatingRows([
        { label: `1. bare Fastify POST route, parse + return small JSON (HTTP ceiling; median of ${ROUNDS})`, url: `${bare.url}/echo`, bodies: verifyBodies([smallTokens[0]!]), server: bare },
        {
          label: `2. POST /v1/verify + scope, SQLite, warm cache (median of ${ROUNDS})`,
          url: `${sqliteServer.url}/v1/verify`,
          bodies: verifyBodies([smallTokens[0]!]),
          headers: caller(small),
          server: sqliteServer,
        },
        ...(postgres ? [postgres] : []),
      ]),
    );
    for (const running of servers.splice(0)) await running.stop();
    await inProcessRows(dataDir, small, pepper, smallTokens);

    // Row 6: many distinct tokens, the two database sizes measured in alternation.
    // Cache off: every request (the caller's token and the verified one) is looked
    // up in the database. Cache on: 1,000 distinct tokens, few enough that each is
    // asked for many times per 5 s TTL, as a busy host API's callers would be.
    const cold = [await startServer(spec(smallFile, { ttlMs: 0 })), await startServer(spec(bigFile, { ttlMs: 0 }))] as const;
    servers.push(...cold);
    await expectValid(cold[0], small, smallTokens[1]!);
    await expectValid(cold[1], big, bigTokens[1]!);
    const shuffle = (tokens: string[]) => [...tokens].sort(() => Math.random() - 0.5);
    const size = (n: number) => n.toLocaleString('en');
    await alternatingRows([
      {
        label: `6a. POST /v1/verify, ${size(SMALL)} tokens in SQLite, cache off, ${size(smallTokens.length)} distinct tokens in random order (median of ${ROUNDS})`,
        url: `${cold[0].url}/v1/verify`,
        bodies: verifyBodies(shuffle(smallTokens)),
        headers: caller(small),
        server: cold[0],
      },
      {
        label: `6b. POST /v1/verify, ${size(BIG)} tokens in SQLite, cache off, ${size(bigTokens.length)} distinct tokens in random order (median of ${ROUNDS})`,
        url: `${cold[1].url}/v1/verify`,
        bodies: verifyBodies(shuffle(bigTokens)),
        headers: caller(big),
        server: cold[1],
      },
    ]);
    for (const running of servers.splice(0)) await running.stop();

    const warm = [await startServer(spec(smallFile)), await startServer(spec(bigFile))] as const;
    servers.push(...warm);
    await alternatingRows([
      {
        label: `6c. POST /v1/verify, ${size(SMALL)} tokens in SQLite, cache on, 1,000 distinct tokens (median of ${ROUNDS})`,
        url: `${warm[0].url}/v1/verify`,
        bodies: verifyBodies(smallTokens.slice(0, 1_000)),
        headers: caller(small),
        server: warm[0],
      },
      {
        label: `6d. POST /v1/verify, ${size(BIG)} tokens in SQLite, cache on, 1,000 distinct tokens (median of ${ROUNDS})`,
        url: `${warm[1].url}/v1/verify`,
        bodies: verifyBodies(bigTokens.slice(0, 1_000)),
        headers: caller(big),
        server: warm[1],
      },
    ]);
    for (const running of servers.splice(0)) await running.stop();
  } finally {
    for (const server of servers) await server.stop();
  }
}

await main();
