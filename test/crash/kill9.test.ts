// Crash safety: the real server mints and revokes tokens with many requests in
// flight, is killed with SIGKILL, and is started again on the same data. Every
// token acknowledged with 201 must verify, every acknowledged revocation must
// hold, nothing half-written may be visible (a token without its secret or its
// audit event, an event without its token), the audit chain must verify
// (`latchkey audit verify-chain`) and, on SQLite, PRAGMA integrity_check is ok.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.js';
import { cli, initServer, serverData, ServerProcess, type ServerData } from '../server-process.js';

const ROUNDS = 3;
const IN_FLIGHT = 24;
/** Acknowledged mints per round before the kill. */
const MINTS_BEFORE_KILL = 60;

let data: ServerData;
let ownerToken: string;
let server: ServerProcess;

// Building dist/ for the real binary can take a while on a busy machine.
beforeAll(async () => {
  data = await serverData({}, { LATCHKEY_SWEEP_INTERVAL: '0' });
  ownerToken = await initServer(data);
}, 300_000);

afterAll(async () => {
  await server?.stop();
  await data?.remove();
});

interface Acknowledged {
  minted: Map<string, string>;
  revoked: Set<string>;
  /** Revocations sent but not answered (the server died): either outcome is right. */
  unanswered: Set<string>;
}

/** Mints (and revokes some of what it minted) from IN_FLIGHT concurrent clients until told to stop; records what was acknowledged. */
async function load(target: ServerProcess, round: number, acknowledged: Acknowledged, stopWhen: () => boolean): Promise<void> {
  let n = 0;
  const worker = async (w: number) => {
    while (!stopWhen()) {
      const i = n++;
      try {
        if (i % 4 === 3 && acknowledged.minted.size > 0) {
          const ids = [...acknowledged.minted.keys()];
          const id = ids[i % ids.length]!;
          acknowledged.unanswered.add(id);
          const res = await target.call('DELETE', `/v1/api-tokens/${id}`, ownerToken);
          acknowledged.unanswered.delete(id);
          if (res.status === 200) acknowledged.revoked.add(id);
        } else {
          const res = await target.call('POST', '/v1/api-tokens', ownerToken, { name: `r${round} w${w} #${i}`, scopes: ['tokens:read'] });
          if (res.status === 201) acknowledged.minted.set(res.body.id as string, res.body.token as string);
        }
      } catch {
        // The server died under this request: it was never acknowledged.
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, w) => worker(w)));
}

async function halfWritten(handle: DatabaseHandle): Promise<string[]> {
  const { db } = handle;
  const problems: string[] = [];
  const withoutSecret = await db
    .selectFrom('tokens as t')
    .select('t.id')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('token_secrets as s').select('s.token_id').whereRef('s.token_id', '=', 't.id').where('s.retired_at', 'is', null))))
    .execute();
  for (const t of withoutSecret) problems.push(`token ${t.id} has no current secret`);
  const withoutEvent = await db
    .selectFrom('tokens as t')
    .select('t.id')
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('audit_events as a').select('a.id').whereRef('a.target_id', '=', 't.id').where('a.action', '=', 'token.minted'))))
    .execute();
  for (const t of withoutEvent) problems.push(`token ${t.id} has no token.minted event`);
  const orphanEvents = await db
    .selectFrom('audit_events as a')
    .select(['a.id', 'a.action'])
    .where('a.action', 'in', ['token.minted', 'token.revoked'])
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('tokens as t').select('t.id').whereRef('t.id', '=', 'a.target_id'))))
    .execute();
  for (const e of orphanEvents) problems.push(`event ${e.id} (${e.action}) names no token`);
  const revokedSilently = await db
    .selectFrom('tokens as t')
    .select('t.id')
    .where('t.revoked_at', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('audit_events as a').select('a.id').whereRef('a.target_id', '=', 't.id').where('a.action', '=', 'token.revoked'))))
    .execute();
  for (const t of revokedSilently) problems.push(`token ${t.id} is revoked without a token.revoked event`);
  const revokedEventLive = await db
    .selectFrom('audit_events as a')
    .innerJoin('tokens as t', 't.id', 'a.target_id')
    .select('t.id')
    .where('a.action', '=', 'token.revoked')
    .where('t.revoked_at', 'is', null)
    .execute();
  for (const t of revokedEventLive) problems.push(`token ${t.id} has a token.revoked event but is live`);
  return problems;
}

it(`keeps every acknowledged write through ${ROUNDS} kill -9s under load`, { timeout: 600_000 }, async () => {
  const acknowledged: Acknowledged = { minted: new Map(), revoked: new Set(), unanswered: new Set() };
  for (let round = 1; round <= ROUNDS; round++) {
    server = await new ServerProcess(data).start();
    const before = acknowledged.minted.size;
    let killed = false;
    const traffic = load(server, round, acknowledged, () => killed);
    // Kill while requests are in flight, once enough mints of this round were acknowledged.
    while (acknowledged.minted.size - before < MINTS_BEFORE_KILL) await new Promise((r) => setTimeout(r, 5));
    await server.kill9();
    killed = true;
    await traffic;

    if (data.sqliteFile) {
      const sqlite = new Database(data.sqliteFile);
      try {
        expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        sqlite.close();
      }
    }
    const chain = await cli(data, ['audit', 'verify-chain', '--json']);
    expect(chain.code, chain.stdout + chain.stderr).toBe(0);
    expect(JSON.parse(chain.stdout)).toMatchObject({ ok: true, breaks: [] });
    const handle = openDatabase(data.env.LATCHKEY_DATABASE_URL ?? data.sqliteFile!);
    try {
      expect(await halfWritten(handle)).toEqual([]);
    } finally {
      await handle.close();
    }

    // Started again on the same data: every acknowledged token verifies, every acknowledged revocation holds.
    server = await new ServerProcess(data).start();
    const wrong: string[] = [];
    for (const [id, token] of acknowledged.minted) {
      const res = await server.call('POST', '/v1/verify', ownerToken, { token });
      const expected = acknowledged.revoked.has(id) ? ['REVOKED'] : acknowledged.unanswered.has(id) ? ['VALID', 'REVOKED'] : ['VALID'];
      if (res.status !== 200 || !expected.includes(res.body.code as string)) wrong.push(`${id}: ${res.status} ${String(res.body.code)}, expected ${expected.join(' or ')}`);
    }
    expect(wrong).toEqual([]);
    await server.stop();
  }
  console.log(`crash test: ${ROUNDS} rounds of kill -9, ${acknowledged.minted.size} acknowledged mints and ${acknowledged.revoked.size} acknowledged revocations all intact`);
});
