// Benchmark rows for @latchkey/sdk (rows 8–10), each with its baseline measured
// in the same run, alternating rounds (median of ROUNDS) since throughput drifts
// on a shared machine:
//   8.  the in-process verifier's cache hit against a bare Map lookup keyed by
//       SHA-256 of the token;
//   9.  revocation through the HTTP API → the Fastify middleware refuses the
//       token (SQLite: one node; PostgreSQL: revoke on node A, verifier on B);
//   10. a Fastify hello-world route behind the middleware (warm cache) against
//       the same route without it, over HTTP.
// Run alone with LATCHKEY_BENCH_ROWS=sdk (see run.ts).
import * as crypto from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { Latchkey } from '@latchkey/sdk';
import { latchkey } from '@latchkey/sdk/fastify';
import type { ServerSpec } from './server.js';

export interface SdkRow {
  label: string;
  rate?: number;
  unit?: 'req/s' | 'ops/s';
  p50?: number;
  p99?: number;
  ratio?: number;
  skipped?: string;
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

export interface SdkBenchContext {
  startServer(spec: ServerSpec): Promise<Server>;
  /** A Latchkey server spec on SQLite with a seeded org, and its caller token (holds tokens:verify). */
  sqlite: { spec: ServerSpec; callerToken: string };
  /** Two-node PostgreSQL: a fresh database with a seeded org (null: no PostgreSQL). */
  postgres: () => Promise<{ spec: ServerSpec; callerToken: string; drop(): Promise<void> } | null>;
  log(line: string): void;
  seconds: number;
}

const ROUNDS = 3;
const IN_PROCESS_SECONDS = 2;
const REVOCATION_TRIALS = 30;
const CONNECTIONS = 10;

const median = <T extends { rate: number }>(runs: T[]): T => [...runs].sort((x, y) => x.rate - y.rate)[Math.floor(runs.length / 2)]!;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Measured {
  rate: number;
  p50: number;
  p99: number;
}

/** Ops per second and per-op latency (timed 64 at a time: the clock would dominate otherwise). */
async function ops(op: () => Promise<unknown> | unknown, seconds: number): Promise<Measured> {
  const warmUntil = performance.now() + 300;
  while (performance.now() < warmUntil) await op();
  const samples: number[] = [];
  let count = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    const t0 = performance.now();
    for (let j = 0; j < 64; j++) await op();
    samples.push((performance.now() - t0) / 64);
    count += 64;
  }
  samples.sort((a, b) => a - b);
  return { rate: count / ((performance.now() - started) / 1000), p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function getLoad(url: string, headers: Record<string, string>, seconds: number): Promise<Measured> {
  const latencies: number[] = [];
  const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds, headers });
  instance.on('response', (_client, status, _bytes, ms) => {
    if (status < 300) latencies.push(ms);
  });
  const result = await instance;
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  latencies.sort((a, b) => a - b);
  return { rate: latencies.length / result.duration, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function verifierHit(ctx: SdkBenchContext, server: Server): Promise<SdkRow[]> {
  ctx.log('8. SDK verifier cache hit vs bare Map …');
  const lk = new Latchkey({ baseUrl: server.url, token: ctx.sqlite.callerToken });
  const minted = await lk.apiTokens.create({ name: 'bench verifier' });
  const verifier = lk.verifier({ cacheTtlMs: 3_600_000 });
  try {
    await verifier.ready();
    const first = await verifier.verify(minted.token, { scope: 'issues:read' });
    if (first.code !== 'VALID') throw new Error(`bench token: ${first.code}`);
    // The fastest SHA-256 Node has (one-shot crypto.hash from 20.12), as the verifier uses.
    const sha256 =
      typeof crypto.hash === 'function' ? (text: string) => crypto.hash('sha256', text, 'base64') : (text: string) => crypto.createHash('sha256').update(text).digest('base64');
    const map = new Map([[sha256(minted.token), first]]);
    const bare: Measured[] = [];
    const hit: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      bare.push(await ops(async () => map.get(sha256(minted.token)), IN_PROCESS_SECONDS));
      hit.push(await ops(() => verifier.verify(minted.token, { scope: 'issues:read' }), IN_PROCESS_SECONDS));
    }
    const stats = verifier.stats();
    if (stats.misses > 1 || stats.bypassed > 0) throw new Error(`verifier did not hit its cache: ${JSON.stringify(stats)}`);
    const [b, h] = [median(bare), median(hit)];
    return [
      { label: `8a. bare Map lookup keyed by SHA-256 of the token (baseline for 8b; median of ${ROUNDS})`, unit: 'ops/s', ...b, ratio: 1 },
      { label: `8b. SDK verifier.verify(token, { scope }), cache hit (median of ${ROUNDS})`, unit: 'ops/s', ...h, ratio: h.rate / b.rate },
    ];
  } finally {
    await verifier.close();
  }
}

/** Mint on `issuer`, warm the middleware (verifier on `verifierUrl`), revoke on `issuer`, time until the middleware says 401. */
async function revocationTrials(label: string, issuerUrl: string, verifierUrl: string, callerToken: string): Promise<SdkRow> {
  const issuer = new Latchkey({ baseUrl: issuerUrl, token: callerToken });
  const verifier = new Latchkey({ baseUrl: verifierUrl, token: callerToken }).verifier({ cacheTtlMs: 3_600_000 });
  const host = Fastify();
  await host.register(latchkey, { verifier, scope: 'issues:read' });
  host.get('/hello', async () => ({ hello: 'world' }));
  await host.ready();
  const status = async (token: string) => (await host.inject({ method: 'GET', url: '/hello', headers: { authorization: `Bearer ${token}` } })).statusCode;
  try {
    await verifier.ready();
    const times: number[] = [];
    for (let i = 0; i < REVOCATION_TRIALS; i++) {
      const minted = await issuer.apiTokens.create({ name: `revocation trial ${label.slice(0, 3)}${i}` });
      // Past the verifier's settle window after the previous trial's event, then cached.
      await new Promise((resolve) => setTimeout(resolve, 1_050));
      if ((await status(minted.token)) !== 200) throw new Error('a fresh token was refused');
      const hits = verifier.stats().hits;
      if ((await status(minted.token)) !== 200 || verifier.stats().hits !== hits + 1) throw new Error('the answer was not cached');
      await issuer.apiTokens.revoke(minted.id);
      const revokedAt = performance.now();
      while ((await status(minted.token)) !== 401) {
        if (performance.now() - revokedAt > 5_000) throw new Error('the middleware never refused the revoked token');
        await new Promise((resolve) => setImmediate(resolve));
      }
      times.push(performance.now() - revokedAt);
    }
    times.sort((a, b) => a - b);
    return { label, p50: percentile(times, 50), p99: percentile(times, 99) };
  } finally {
    await host.close();
    await verifier.close();
  }
}

async function middlewareOverhead(ctx: SdkBenchContext, server: Server): Promise<SdkRow[]> {
  ctx.log('10. middleware overhead …');
  const lk = new Latchkey({ baseUrl: server.url, token: ctx.sqlite.callerToken });
  const minted = await lk.apiTokens.create({ name: 'bench middleware', scopes: ['issues:read'] });
  const bare = await ctx.startServer({ mode: 'hello' });
  const guarded = await ctx.startServer({ mode: 'hello', latchkey: { url: server.url, token: ctx.sqlite.callerToken, scope: 'issues:read' } });
  try {
    const headers = { authorization: `Bearer ${minted.token}` };
    const runs: [Measured[], Measured[]] = [[], []];
    await getLoad(`${bare.url}/hello`, headers, 1);
    await getLoad(`${guarded.url}/hello`, headers, 1);
    for (let round = 0; round < ROUNDS; round++) {
      runs[0].push(await getLoad(`${bare.url}/hello`, headers, ctx.seconds));
      runs[1].push(await getLoad(`${guarded.url}/hello`, headers, ctx.seconds));
    }
    const [b, g] = [median(runs[0]), median(runs[1])];
    return [
      { label: `10a. Fastify hello-world GET route, no middleware (baseline for 10b; median of ${ROUNDS})`, unit: 'req/s', ...b, ratio: 1 },
      { label: `10b. the same route behind @latchkey/sdk/fastify, warm cache (median of ${ROUNDS})`, unit: 'req/s', ...g, ratio: g.rate / b.rate },
    ];
  } finally {
    await bare.stop();
    await guarded.stop();
  }
}

export async function sdkRows(ctx: SdkBenchContext): Promise<SdkRow[]> {
  const rows: SdkRow[] = [];
  // Each row is logged as it is measured, so a run cut short keeps what it had.
  const push = rows.push.bind(rows);
  rows.push = (...added: SdkRow[]) => {
    for (const row of added) ctx.log(`  ${JSON.stringify(row)}`);
    return push(...added);
  };
  const server = await ctx.startServer(ctx.sqlite.spec);
  try {
    rows.push(...(await verifierHit(ctx, server)));
    ctx.log('9a. revocation → middleware refusal, SQLite …');
    rows.push(
      await revocationTrials(
        `9a. revocation through the HTTP API → the Fastify middleware refuses the token, SQLite (${REVOCATION_TRIALS} trials, cached answer, TTL 1 h)`,
        server.url,
        server.url,
        ctx.sqlite.callerToken,
      ),
    );
    rows.push(...(await middlewareOverhead(ctx, server)));
  } finally {
    await server.stop();
  }
  const postgres = await ctx.postgres();
  if (!postgres) {
    rows.push({ label: '9b. revocation → middleware refusal, PostgreSQL two nodes', skipped: 'skipped: no PostgreSQL' });
  } else {
    ctx.log('9b. revocation → middleware refusal, PostgreSQL two nodes …');
    const [a, b] = [await ctx.startServer(postgres.spec), await ctx.startServer(postgres.spec)];
    try {
      rows.push(
        await revocationTrials(
          `9b. revocation on node A → the Fastify middleware (verifier on node B) refuses the token, PostgreSQL (${REVOCATION_TRIALS} trials, TTL 1 h)`,
          a!.url,
          b!.url,
          postgres.callerToken,
        ),
      );
    } finally {
      await a!.stop();
      await b!.stop();
      await postgres.drop();
    }
  }
  return rows;
}
