// The audit log an operator can trust: every change with the right actor,
// filters, pagination, JSON-lines export, a per-org hash chain that
// `latchkey audit verify-chain` checks, and reading gated by plan.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { addMember, createTestApp, createTestOrg, expectProblem, login, OWNER_PASSWORD, request, type TestApp, type TestOrg } from '../helpers.js';
import { main } from '../../src/cli/main.js';
import { verifyChains } from '../../src/audit/service.js';
import { eventHash } from '../../src/audit/chain.js';
import { SecretHasher } from '../../src/tokens/hashing.js';
import { randomBytes } from 'node:crypto';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

const post = (url: string, payload: object, token = org.token) => request(t, { method: 'POST', url, token, payload });
const events = async (query: string, token = org.token) => {
  const res = await request(t, { method: 'GET', url: `/v1/audit-events?${query}`, token });
  expect(res.statusCode).toBe(200);
  return res.json().data as { id: string; action: string; actor: { type: string; id: string; name: string; prefix: string | null }; target: { id: string }; requestId: string; metadata: Record<string, unknown> }[];
};

async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const env = { ...process.env };
  process.env.LATCHKEY_DATABASE_URL = t.deps.config.databaseUrl;
  process.env.LATCHKEY_PEPPER = t.pepper.toString('hex');
  try {
    const code = await main(['node', 'latchkey', ...args, '--data-dir', t.dataDir]);
    return { code, out };
  } finally {
    spy.mockRestore();
    process.env = env;
  }
}

describe('audit log', () => {
  it('records each action of this and the previous issue with the right actor, in the same transaction', async () => {
    const member = await addMember(t, org, 'member');
    const team = (await post('/v1/teams', { name: 'audited' })).json();
    await post(`/v1/teams/${team.id}/members`, { userId: member.userId, scopes: ['issues:read'] });
    const teamToken = (await post(`/v1/teams/${team.id}/tokens`, { name: 'ci', scopes: ['issues:read'] })).json();
    await request(t, { method: 'DELETE', url: `/v1/teams/${team.id}/tokens/${teamToken.id}`, token: org.token });
    const sa = (await post('/v1/service-accounts', { name: 'audited-sa', scopes: ['issues:read'] })).json();
    await request(t, { method: 'PATCH', url: `/v1/service-accounts/${sa.id}`, token: org.token, payload: { name: 'renamed-sa' } });
    await request(t, { method: 'PATCH', url: `/v1/members/${member.userId}`, token: org.token, payload: { role: 'viewer' } });
    await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy: { requireExpiry: false } } });

    const all = await events('limit=200');
    const actions = all.map((e) => e.action);
    for (const action of [
      'member.invited',
      'member.joined',
      'team.created',
      'team.member_added',
      'token.minted',
      'token.attached',
      'token.detached',
      'service_account.created',
      'service_account.updated',
      'member.role_changed',
      'org.policy_changed',
    ]) {
      expect(actions, action).toContain(action);
    }
    // A token acting is recorded as the token, by name and display prefix.
    const created = all.find((e) => e.action === 'team.created')!;
    expect(created.actor).toMatchObject({ type: 'token', id: org.tokenId, name: 'initial token' });
    expect(created.actor.prefix).toBe(org.token.slice(0, 11));
    expect(created.requestId).toMatch(/^req_/);

    // A person at the dashboard is recorded as the user.
    const session = await login(t, org.ownerEmail, OWNER_PASSWORD);
    await request(t, { method: 'POST', url: '/v1/teams', session, payload: { name: 'by-session' } });
    const [bySession] = await events('action=team.created&limit=1');
    expect(bySession!.actor).toMatchObject({ type: 'user', id: org.ownerId, prefix: null });
  });

  it('filters by actor, token, action, target and time, and pages with a cursor', async () => {
    const minted = (await post('/v1/api-tokens', { name: 'filter-me' })).json();
    await post(`/v1/api-tokens/${minted.id}/roll`, {});
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${minted.id}`, token: org.token });

    const byTarget = await events(`target=${minted.id}`);
    expect(byTarget.map((e) => e.action)).toEqual(['token.revoked', 'token.rolled', 'token.minted']);
    expect((await events(`token=${minted.id}`)).length).toBeGreaterThanOrEqual(3);
    expect((await events('action=token.rolled')).every((e) => e.action === 'token.rolled')).toBe(true);
    expect((await events('action=token.*&limit=200')).every((e) => e.action.startsWith('token.'))).toBe(true);
    expect((await events(`actor=${org.tokenId}&limit=200`)).every((e) => e.actor.id === org.tokenId)).toBe(true);
    expect((await events('actor=token&limit=200')).every((e) => e.actor.type === 'token')).toBe(true);
    const future = new Date(t.clock.now().getTime() + 60_000).toISOString();
    expect(await events(`since=${encodeURIComponent(future)}`)).toEqual([]);
    expect((await events(`until=${encodeURIComponent(future)}&limit=1`)).length).toBe(1);
    expect(await events(`from=${encodeURIComponent(future)}`)).toEqual([]);
    const past = new Date(t.clock.now().getTime() - 3_600_000).toISOString();
    expect(await events(`to=${encodeURIComponent(past)}`)).toEqual([]);
    expect((await events(`from=${encodeURIComponent(past)}&to=${encodeURIComponent(future)}&limit=1`)).length).toBe(1);

    const first = (await request(t, { method: 'GET', url: '/v1/audit-events?limit=2', token: org.token })).json();
    expect(first.data).toHaveLength(2);
    const second = (await request(t, { method: 'GET', url: `/v1/audit-events?limit=2&cursor=${first.nextCursor}`, token: org.token })).json();
    expect(second.data[0].seq).toBe(first.data[1].seq - 1);
    expectProblem(await request(t, { method: 'GET', url: '/v1/audit-events?cursor=bogus', token: org.token }), 400, 'invalid_cursor');
  });

  it('records token uses in batches, off the request path', async () => {
    const minted = (await post('/v1/api-tokens', { name: 'used' })).json();
    for (let i = 0; i < 3; i++) await request(t, { method: 'GET', url: '/v1/me', token: minted.token, headers: { 'user-agent': 'batch-test' } });
    expect(await events(`action=token.used&token=${minted.id}`)).toEqual([]);
    await t.deps.lastUse.flush();
    const used = await events(`action=token.used&token=${minted.id}`);
    expect(used).toHaveLength(1);
    expect(used[0]!.metadata.count).toBe(3);
    expect(used[0]!.actor).toMatchObject({ type: 'token', id: minted.id, name: 'used' });
  });

  it('appends a batch of uses from several tokens and orgs to each chain in order, keeping the chains intact', async () => {
    const other = await createTestOrg(t, 'Other org');
    const mine = await Promise.all(['u1', 'u2', 'u3'].map(async (name) => (await post('/v1/api-tokens', { name })).json()));
    const theirs = (await request(t, { method: 'POST', url: '/v1/api-tokens', token: other.token, payload: { name: 'theirs' } })).json();
    await t.deps.lastUse.flush();
    for (const token of [...mine.map((m) => m.token), theirs.token, mine[0].token]) {
      expect((await request(t, { method: 'GET', url: '/v1/me', token })).statusCode).toBe(200);
    }
    await t.deps.lastUse.flush();
    for (const m of mine) expect((await events(`action=token.used&token=${m.id}`)).length).toBeGreaterThanOrEqual(1);
    const first = (await events(`action=token.used&token=${mine[0].id}`))[0]!;
    expect(first.metadata.count).toBe(2);
    const theirsUsed = await t.deps.db.selectFrom('audit_events').select('org_id').where('action', '=', 'token.used').where('target_id', '=', theirs.id).execute();
    expect(theirsUsed.map((e) => e.org_id)).toEqual([other.orgId]);
    expect((await verifyChains(t.deps.db, t.deps.hasher)).breaks).toEqual([]);
  });

  it('records an expired token presented (expired-on-use) once, by the token, off the request path', async () => {
    const minted = (await post('/v1/api-tokens', { name: 'short-lived', expiresIn: '30d' })).json();
    t.clock.advance(31 * 86_400_000);
    try {
      expectProblem(await request(t, { method: 'GET', url: '/v1/me', token: minted.token }), 401, 'token_expired');
      const verified = (await post('/v1/verify', { token: minted.token })).json();
      expect(verified.code).toBe('EXPIRED');
      expect(await events(`action=token.expired&target=${minted.id}`)).toEqual([]);
      await t.deps.lastUse.flush();
      expectProblem(await request(t, { method: 'GET', url: '/v1/me', token: minted.token }), 401, 'token_expired');
      await t.deps.lastUse.flush();
      const expired = await events(`action=token.expired&target=${minted.id}`);
      expect(expired).toHaveLength(1);
      expect(expired[0]!.actor).toMatchObject({ type: 'token', id: minted.id, name: 'short-lived' });
      expect(expired[0]!.metadata.expiresAt).toBe(minted.expiresAt);
    } finally {
      t.clock.advance(-31 * 86_400_000);
    }
  });

  it('exports every matching event as JSON lines', async () => {
    const res = await request(t, { method: 'GET', url: '/v1/audit-events?format=jsonl&action=token.minted', token: org.token });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    const lines = res.body.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.every((e: { action: string }) => e.action === 'token.minted')).toBe(true);
    const viaAccept = await request(t, { method: 'GET', url: '/v1/audit-events?action=token.minted', token: org.token, headers: { accept: 'application/x-ndjson' } });
    expect(viaAccept.body).toBe(res.body);
  });

  it('cannot be rebuilt by someone who can write to the database but lacks the pepper', async () => {
    const o = await createTestOrg(t, 'Rebuild target');
    await post('/v1/api-tokens', { name: 'to be hidden' }, o.token);
    /** Rewrites one event and re-chains every later one with `hasher`, as an attacker would. */
    const rewrite = async (hasher: SecretHasher, actorName: string) => {
      const rows = await t.deps.db.selectFrom('audit_events').selectAll().where('org_id', '=', o.orgId).orderBy('seq').execute();
      let prev: string | null = null;
      for (const row of rows) {
        const edited = { ...row, actor_name: row.seq === rows[rows.length - 1]!.seq ? actorName : row.actor_name, prev_hash: prev };
        const { hash: _old, ...fields } = edited;
        const hash = eventHash(hasher, fields);
        await t.deps.db.updateTable('audit_events').set({ actor_name: edited.actor_name, prev_hash: prev, hash }).where('id', '=', row.id).execute();
        prev = hash;
      }
      await t.deps.db.updateTable('orgs').set({ audit_head: prev }).where('id', '=', o.orgId).execute();
    };
    await rewrite(new SecretHasher(randomBytes(32)), 'someone else');
    expect((await verifyChains(t.deps.db, t.deps.hasher, o.orgId)).breaks[0]).toMatchObject({ orgId: o.orgId, seq: 1 });
    // The same rewrite with the server's key would pass: the pepper is what protects the chain.
    await rewrite(t.deps.hasher, 'initial token');
    expect((await verifyChains(t.deps.db, t.deps.hasher, o.orgId)).breaks).toEqual([]);
  });

  it('keeps an intact hash chain, and verify-chain reports the first broken link of a tampered or deleted row', async () => {
    expect((await verifyChains(t.deps.db, t.deps.hasher)).breaks).toEqual([]);
    const intact = await runCli(['audit', 'verify-chain', '--json']);
    expect(intact.code).toBe(0);
    expect(JSON.parse(intact.out)).toMatchObject({ ok: true, breaks: [] });

    const rows = await t.deps.db.selectFrom('audit_events').select(['id', 'seq']).where('org_id', '=', org.orgId).orderBy('seq').execute();
    const victim = rows[Math.floor(rows.length / 2)]!;
    // Rewrite history: make a revocation look like it was done by someone else.
    await sql`update audit_events set actor_name = ${'someone else'} where id = ${victim.id}`.execute(t.deps.db);
    const tampered = await runCli(['audit', 'verify-chain', '--json']);
    expect(tampered.code).toBe(1);
    const report = JSON.parse(tampered.out);
    expect(report.ok).toBe(false);
    expect(report.breaks[0]).toMatchObject({ orgId: org.orgId, seq: Number(victim.seq), eventId: victim.id });
    const human = await runCli(['audit', 'verify-chain']);
    expect(human.out).toContain(`event #${victim.seq}`);

    // Deleting a row is caught too (at the gap).
    await sql`update audit_events set actor_name = ${null} where id = ${victim.id}`.execute(t.deps.db);
    const original = await t.deps.db.selectFrom('audit_events').selectAll().where('id', '=', victim.id).executeTakeFirstOrThrow();
    expect(original).toBeTruthy();
    const later = rows[rows.length - 2]!;
    await t.deps.db.deleteFrom('audit_events').where('id', '=', later.id).execute();
    const afterDelete = await verifyChains(t.deps.db, t.deps.hasher, org.orgId);
    expect(afterDelete.breaks[0]!.seq).toBeLessThanOrEqual(Number(later.seq));
  });

  it('reading the log is a plan feature; events are still recorded', async () => {
    const gated = await createTestApp({ overrides: { plans: [{ name: 'free', seatLimit: 10, features: { auditLog: false } }, { name: 'apex', seatLimit: 10, features: { auditLog: true } }] } });
    try {
      const o = await createTestOrg(gated);
      expectProblem(await request(gated, { method: 'GET', url: '/v1/audit-events', token: o.token }), 403, 'plan_feature_unavailable');
      const recorded = await gated.deps.db.selectFrom('audit_events').select('action').where('org_id', '=', o.orgId).execute();
      expect(recorded.map((e) => e.action)).toContain('org.created');
      const session = await login(gated, o.ownerEmail, OWNER_PASSWORD);
      await request(gated, { method: 'PATCH', url: '/v1/org', session, payload: { plan: 'apex' } });
      expect((await request(gated, { method: 'GET', url: '/v1/audit-events', token: o.token })).statusCode).toBe(200);
    } finally {
      await gated.close();
    }
  });
});
