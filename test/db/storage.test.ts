// Storage behaviour that must not depend on the database (SPEC §8: one schema,
// one data-access layer). Runs in both test projects; on PostgreSQL the run's
// database has a linguistic collation (test/postgres.ts), as production clusters
// often do, so anything that only works under byte order shows up here.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, createTestOrg, request, testDialect, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeEach(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});

afterEach(() => t.close());

async function mint(name: string) {
  return request(t, { method: 'POST', url: '/v1/api-tokens', token: org.token, payload: { name } });
}

async function listAllTokenIds(limit: number): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const url: string = `/v1/api-tokens?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await request(t, { method: 'GET', url, token: org.token });
    expect(page.statusCode, page.body).toBe(200);
    const body = page.json() as { data: { id: string }[]; nextCursor: string | null };
    ids.push(...body.data.map((d) => d.id));
    cursor = body.nextCursor;
  } while (cursor);
  return ids;
}

describe('storage', () => {
  it('runs on the database its test project names, in a database of its own', async () => {
    if (testDialect === 'postgres') {
      const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(t.deps.db);
      expect(rows[0]?.schema).toMatch(/^app_[0-9a-f]{16}$/);
    } else {
      const { rows } = await sql<{ version: string }>`select sqlite_version() as version`.execute(t.deps.db);
      expect(rows[0]?.version).toMatch(/^3\./);
    }
    expect(await t.deps.db.selectFrom('orgs').select('id').execute()).toEqual([{ id: org.orgId }]);
  });

  it('sorts and compares ids and other text byte by byte, as JavaScript does', async () => {
    // Differ only in case and digits, where a locale's order and byte order part.
    const ids = ['usr_0000000000000a', 'usr_0000000000000B', 'usr_0000000000000A', 'usr_0000000000000b', 'usr_00000000000009', 'usr_0000000000000z', 'usr_0000000000000Z'];
    const now = t.clock.now().toISOString();
    await t.deps.db
      .insertInto('users')
      .values(ids.map((id, i) => ({ id, email: `${id.slice(-1)}${i}@example.com`, name: id.slice(-1), password_hash: null, created_at: now })))
      .execute();
    const byteOrder = [...ids].sort();

    const sorted = await t.deps.db.selectFrom('users').select('id').where('id', 'in', ids).orderBy('id').execute();
    expect(sorted.map((r) => r.id)).toEqual(byteOrder);
    const below = await t.deps.db.selectFrom('users').select('id').where('id', 'in', ids).where('id', '<', 'usr_0000000000000a').orderBy('id', 'desc').execute();
    expect(below.map((r) => r.id)).toEqual(byteOrder.filter((id) => id < 'usr_0000000000000a').reverse());
    const names = await t.deps.db.selectFrom('users').select('name').where('id', 'in', ids).orderBy('name').execute();
    expect(names.map((r) => r.name)).toEqual(byteOrder.map((id) => id.slice(-1)));
  });

  it('pages through tokens newest first, in creation order, with no gaps or repeats', async () => {
    const minted: string[] = [org.tokenId];
    for (let i = 0; i < 40; i++) {
      const res = await mint(`token ${i}`);
      expect(res.statusCode, res.body).toBe(201);
      minted.push(res.json().id as string);
    }
    const newestFirst = [...minted].reverse();
    expect([...minted].sort()).toEqual(minted);
    expect(await listAllTokenIds(7)).toEqual(newestFirst);
    expect(await listAllTokenIds(200)).toEqual(newestFirst);
  });

  it.runIf(testDialect === 'postgres')('declares every text column with byte-order collation on PostgreSQL', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string; collation_name: string | null }>`
      select table_name, column_name, collation_name from information_schema.columns
      where table_schema = current_schema() and data_type = 'text' and table_name not like 'kysely%'`.execute(t.deps.db);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.filter((r) => r.collation_name !== 'C')).toEqual([]);
  });

  it('refuses a second live token of the same name even when the requests race, and frees the name on revocation', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => mint('deploy')));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    for (const r of results.filter((r) => r.statusCode === 409)) expect(r.json().code).toBe('name_taken');
    const live = results.find((r) => r.statusCode === 201)!.json().id as string;
    expect((await t.deps.db.selectFrom('tokens').select('id').where('name', '=', 'deploy').execute()).map((r) => r.id)).toEqual([live]);

    expect((await request(t, { method: 'DELETE', url: `/v1/api-tokens/${live}`, token: org.token })).statusCode).toBe(200);
    expect((await mint('deploy')).statusCode).toBe(201);
  });

  it('keeps a per-user token limit when mints race', async () => {
    const policy = await request(t, { method: 'PATCH', url: '/v1/org', token: org.token, payload: { policy: { maxPersonalTokensPerUser: 3 } } });
    expect(policy.statusCode, policy.body).toBe(200);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => mint(`racer ${i}`)));
    // The owner's first token counts, so two more fit.
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(2);
    for (const r of results.filter((r) => r.statusCode !== 201)) expect(r.json().code).toBe('token_limit_reached');
    const live = await t.deps.db.selectFrom('tokens').select('id').where('owner_user_id', '=', org.ownerId).where('revoked_at', 'is', null).execute();
    expect(live).toHaveLength(3);
  });

  it('keeps the seat limit when members are added at the same time', async () => {
    const small = await createTestApp({ overrides: { plans: [{ name: 'small', seatLimit: 3, features: { auditLog: true } }], defaultPlan: 'small' } });
    try {
      const smallOrg = await createTestOrg(small);
      const now = small.clock.now().toISOString();
      const emails = Array.from({ length: 6 }, (_, i) => `seat-${i}@example.com`);
      await small.deps.db
        .insertInto('users')
        .values(emails.map((email, i) => ({ id: `usr_seat${i}000000000000`, email, name: `seat ${i}`, password_hash: null, created_at: now })))
        .execute();
      const results = await Promise.all(emails.map((email) => request(small, { method: 'POST', url: '/v1/members', token: smallOrg.token, payload: { email, role: 'member' } })));
      // The owner holds one of the three seats.
      expect(results.filter((r) => r.statusCode === 201)).toHaveLength(2);
      for (const r of results.filter((r) => r.statusCode !== 201)) expect(r.json().code).toBe('seat_limit_reached');
      const members = await small.deps.db.selectFrom('memberships').select('user_id').where('org_id', '=', smallOrg.orgId).execute();
      expect(members).toHaveLength(3);
    } finally {
      await small.close();
    }
  });

  it('filters audit actions by family exactly: underscores are plain, case counts', async () => {
    const created = await request(t, { method: 'POST', url: '/v1/service-accounts', token: org.token, payload: { name: 'deployer', scopes: ['issues:read'] } });
    expect(created.statusCode, created.body).toBe(201);
    expect((await mint('family')).statusCode).toBe(201);
    const actions = async (filter: string) => {
      const res = await request(t, { method: 'GET', url: `/v1/audit-events?action=${encodeURIComponent(filter)}`, token: org.token });
      expect(res.statusCode, res.body).toBe(200);
      return (res.json().data as { action: string }[]).map((e) => e.action);
    };
    expect(await actions('service_account.*')).toEqual(['service_account.created']);
    expect(await actions('token.*')).toEqual(['token.minted', 'token.minted']);
    expect(await actions('TOKEN.*')).toEqual([]);
    expect(await actions('service%.*')).toEqual([]);
  });

  it('writes nothing of a change that fails, and numbers the audit chain without gaps', async () => {
    const before = await t.deps.db.selectFrom('audit_events').select('id').execute();
    const taken = await mint(`dup`);
    expect(taken.statusCode).toBe(201);
    expect((await mint('dup')).statusCode).toBe(409);
    const events = await t.deps.db.selectFrom('audit_events').select(['seq', 'action']).where('org_id', '=', org.orgId).orderBy('seq').execute();
    expect(events).toHaveLength(before.length + 1);
    // Integer columns come back as numbers on both databases.
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const head = await t.deps.db.selectFrom('orgs').select('audit_seq').where('id', '=', org.orgId).executeTakeFirstOrThrow();
    expect(head.audit_seq).toBe(events.length);
  });
});
