// @latchkey/sdk's client against a real server over HTTP: every resource, paging
// over several pages, the error shape, sessions, and that the token never
// appears in what it throws.
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Latchkey, LatchkeyError, type Token } from '@latchkey/sdk';
import { addMember, createTestOrg, OWNER_PASSWORD, type TestOrg } from '../helpers.js';
import { listeningApp, type ListeningApp } from './server.js';

let t: ListeningApp;
let org: TestOrg;
let lk: Latchkey;

beforeAll(async () => {
  t = await listeningApp({ overrides: { plans: [{ name: 'big', seatLimit: 100, features: { auditLog: true } }] } });
  org = await createTestOrg(t);
  lk = new Latchkey({ baseUrl: t.baseUrl, token: org.token });
});
afterAll(() => t.close());

async function thrown(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}

describe('client: the caller and the org', () => {
  it('me(), org.get/update, seats, roles, scopes', async () => {
    const me = await lk.me();
    expect(me.principal).toMatchObject({ type: 'user', id: org.ownerId });
    expect(me.credential).toMatchObject({ type: 'token', id: org.tokenId });
    expect(me.org.id).toBe(org.orgId);

    const renamed = await lk.org.update({ name: 'Renamed by the SDK', policy: { maxPersonalTokensPerUser: 50 } });
    expect(renamed.name).toBe('Renamed by the SDK');
    expect((await lk.org.get()).name).toBe('Renamed by the SDK');
    expect((await lk.org.seats()).limit).toBe(100);
    expect(JSON.stringify(await lk.org.roles())).toContain('owner');
    expect(JSON.stringify(await lk.apiTokens.scopes())).toContain('issues:read');
  });

  it('health() and metrics()', async () => {
    expect(await lk.health()).toEqual({ live: true, ready: true });
    expect(await lk.metrics()).toContain('latchkey_http_requests_total');
  });
});

describe('client: personal tokens (SPEC §7.5 as written)', () => {
  it('create, get, list, roll with grace, revoke, revoke-all', async () => {
    const t1 = await lk.apiTokens.create({ name: 'ci', scopes: ['issues:read'], expiresIn: '30d' });
    expect(t1.token).toMatch(/^lk_pat_/);
    expect((await lk.apiTokens.get(t1.id)).name).toBe('ci');

    const names: string[] = [];
    for await (const tok of lk.apiTokens.list()) names.push(tok.name);
    expect(names).toContain('ci');

    const rolled = await lk.apiTokens.roll(t1.id, { gracePeriodSeconds: 60 });
    expect(rolled.id).toBe(t1.id);
    expect(rolled.token).not.toBe(t1.token);
    // Within the grace period both secrets work.
    expect((await new Latchkey({ baseUrl: t.baseUrl, token: t1.token }).me()).credential.id).toBe(t1.id);
    expect((await new Latchkey({ baseUrl: t.baseUrl, token: rolled.token }).me()).credential.id).toBe(t1.id);

    const revoked = await lk.apiTokens.revoke(t1.id);
    expect(revoked.status).toBe('revoked');
    const error = await thrown(new Latchkey({ baseUrl: t.baseUrl, token: rolled.token }).me());
    expect(error).toMatchObject({ status: 401, code: 'token_revoked' });

    const member = await addMember(t, org, 'member');
    const memberClient = new Latchkey({ baseUrl: t.baseUrl, token: member.token });
    await memberClient.apiTokens.create({ name: 'spare' });
    expect((await memberClient.apiTokens.revokeAll()).revoked).toBe(2);
    expect((await thrown(memberClient.me())).code).toBe('token_revoked');
  });

  it('lists follow nextCursor over several pages; page() gives one page', async () => {
    const member = await addMember(t, org, 'member');
    const client = new Latchkey({ baseUrl: t.baseUrl, token: member.token });
    for (let i = 0; i < 6; i++) await client.apiTokens.create({ name: `paged ${i}` });
    const first = await client.apiTokens.list({ limit: 3 }).page();
    expect(first.data).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const all: Token[] = [];
    for await (const tok of client.apiTokens.list({ limit: 3 })) all.push(tok);
    expect(all).toHaveLength(7);
    expect(new Set(all.map((x) => x.id)).size).toBe(7);
    // Starting from a cursor continues after it.
    const rest = await client.apiTokens.list({ limit: 3, cursor: first.nextCursor! }).toArray();
    expect(rest.map((x) => x.id)).toEqual(all.slice(3).map((x) => x.id));
    expect(await client.apiTokens.list({ limit: 2 }).toArray(3)).toHaveLength(3);
  });
});

describe('client: org tokens, service accounts, teams, members, audit, verify', () => {
  it('org tokens: create an API key, filter, get, roll, revoke, revoke-all by kind', async () => {
    const key = await lk.tokens.create({ name: 'integration', role: 'viewer', expiresIn: '90d' });
    expect(key.token).toMatch(/^lk_sat_/);
    const service = await lk.tokens.list({ kind: 'service' }).toArray();
    expect(service.map((x) => x.id)).toContain(key.id);
    expect(service.every((x) => x.kind === 'service')).toBe(true);
    expect((await lk.tokens.get(key.id)).name).toBe('integration');
    const rolled = await lk.tokens.roll(key.id);
    expect(rolled.token).not.toBe(key.token);
    expect((await lk.tokens.revoke(key.id)).status).toBe('revoked');
    await lk.tokens.create({ name: 'second key', role: 'viewer' });
    expect((await lk.tokens.revokeAll({ kind: 'service' })).revoked).toBeGreaterThanOrEqual(1);
    expect((await lk.me()).credential.id).toBe(org.tokenId);
  });

  it('service accounts: create, get, list, update, issue/list/roll/revoke tokens, delete', async () => {
    const sa = await lk.serviceAccounts.create({ name: 'deployer', scopes: ['issues:read', 'issues:write'] });
    expect(sa.id).toMatch(/^sa_/);
    expect((await lk.serviceAccounts.get(sa.id)).name).toBe('deployer');
    expect((await lk.serviceAccounts.list().toArray()).map((x) => x.id)).toContain(sa.id);
    expect((await lk.serviceAccounts.update(sa.id, { scopes: ['issues:read'] })).scopes).toEqual(['issues:read']);
    const issued = await lk.serviceAccounts.issueToken(sa.id, { name: 'pipeline', expiresIn: '90d' });
    expect((await lk.serviceAccounts.listTokens(sa.id).toArray()).map((x) => x.id)).toEqual([issued.id]);
    const rolled = await lk.serviceAccounts.rollToken(sa.id, issued.id, { gracePeriodSeconds: 0 });
    expect(rolled.id).toBe(issued.id);
    expect((await lk.serviceAccounts.revokeToken(sa.id, issued.id)).status).toBe('revoked');
    const second = await lk.serviceAccounts.issueToken(sa.id, { name: 'second' });
    expect((await lk.serviceAccounts.delete(sa.id)).revokedTokens).toBe(1);
    expect((await lk.verify(second.token)).code).toBe('REVOKED');
  });

  it('teams: create, get, list, rename, members, tokens (issue, attach, detach), delete', async () => {
    const team = await lk.teams.create({ name: 'platform' });
    expect((await lk.teams.get(team.id)).name).toBe('platform');
    expect((await lk.teams.list().toArray()).map((x) => x.id)).toContain(team.id);
    expect((await lk.teams.update(team.id, { name: 'platform-2' })).name).toBe('platform-2');

    const member = await addMember(t, org, 'viewer');
    await lk.teams.addMember(team.id, { userId: member.userId, scopes: ['issues:write'], resources: ['repo_1'] });
    expect((await lk.teams.listMembers(team.id).toArray()).map((x) => x.userId)).toContain(member.userId);
    expect((await lk.verify(member.token, { scope: 'issues:write', team: team.id, resource: 'repo_1' })).allowed).toBe(true);
    await lk.teams.updateMember(team.id, member.userId, { scopes: ['issues:read'] });
    expect((await lk.verify({ token: member.token, scope: 'issues:write', team: team.id, resource: 'repo_1' })).allowed).toBe(false);
    await lk.teams.removeMember(team.id, member.userId);
    expect(await lk.teams.listMembers(team.id).toArray()).toEqual([]);

    const teamToken = await lk.teams.issueToken(team.id, { name: 'ci', scopes: ['issues:read'] });
    const key = await lk.tokens.create({ name: 'attachable', scopes: ['issues:read'] });
    await lk.teams.attachToken(team.id, key.id, { scopes: ['issues:read'] });
    expect((await lk.teams.listTokens(team.id).toArray()).map((x) => x.id).sort()).toEqual([teamToken.id, key.id].sort());
    await lk.teams.detachToken(team.id, key.id);
    expect((await lk.teams.listTokens(team.id).toArray()).map((x) => x.id)).toEqual([teamToken.id]);
    await lk.teams.delete(team.id);
    expect((await thrown(lk.teams.get(team.id))).status).toBe(404);
  });

  it('members: add (invitation), get, list, suspend, reactivate, change role, remove', async () => {
    const invited = await lk.members.add({ email: `sdk-${Date.now()}@example.com`, role: 'member' });
    expect(invited.inviteToken).toEqual(expect.any(String));
    const accepted = await new Latchkey({ baseUrl: t.baseUrl }).auth.acceptInvite({ inviteToken: invited.inviteToken!, password: OWNER_PASSWORD, name: 'Invited' });
    const userId = accepted.user.id;
    expect((await lk.members.get(userId)).role).toBe('member');
    expect((await lk.members.list().toArray()).map((x) => x.userId)).toContain(userId);
    expect((await lk.members.update(userId, { status: 'suspended' })).status).toBe('suspended');
    expect((await lk.members.update(userId, { status: 'active', role: 'viewer' })).role).toBe('viewer');
    await lk.members.remove(userId);
    expect((await thrown(lk.members.get(userId))).status).toBe(404);
  });

  it('audit: list with filters, and the JSON-lines export', async () => {
    const events = await lk.audit.list({ action: 'token.*', limit: 5 }).toArray(12);
    expect(events.length).toBeGreaterThan(5);
    expect(events.every((e) => e.action.startsWith('token.'))).toBe(true);
    const lines = (await lk.audit.export({ action: 'team.*' })).trim().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.map((line) => (JSON.parse(line) as { action: string }).action).every((a) => a.startsWith('team.'))).toBe(true);
  });
});

describe('client: sessions', () => {
  it('login, act with the session (CSRF handled), create an org, logout', async () => {
    const client = new Latchkey({ baseUrl: t.baseUrl });
    expect((await thrown(client.me())).code).toBe('unauthorized');
    const session = await client.auth.login({ email: org.ownerEmail, password: OWNER_PASSWORD });
    expect(session.user.id).toBe(org.ownerId);
    expect((await client.me()).credential.type).toBe('session');
    const minted = await client.apiTokens.create({ name: 'cli on test-host' });
    expect((await new Latchkey({ baseUrl: t.baseUrl, token: minted.token }).me()).credential.id).toBe(minted.id);
    const created = await client.org.create({ name: 'Second org from the SDK' });
    const inSecond = new Latchkey({ baseUrl: t.baseUrl, orgId: created.id });
    await inSecond.auth.login({ email: org.ownerEmail, password: OWNER_PASSWORD });
    expect((await inSecond.me()).org.id).toBe(created.id);
    await client.auth.logout();
    expect((await thrown(client.me())).code).toBe('unauthorized');
  });

  it('a wrong password is a LatchkeyError with the problem fields', async () => {
    const error = await thrown(new Latchkey({ baseUrl: t.baseUrl }).auth.login({ email: org.ownerEmail, password: 'wrong password!' }));
    expect(error).toMatchObject({ status: 401, code: 'invalid_credentials', name: 'LatchkeyError' });
  });
});

describe('client: errors', () => {
  it('carry status, code, requestId, detail and field errors (400)', async () => {
    const error = await thrown(lk.apiTokens.create({ name: '', scopes: ['not a scope'] }));
    expect(error.status).toBe(400);
    expect(error.code).toBe('validation_failed');
    expect(error.requestId).toMatch(/^req_/);
    expect(error.detail).toEqual(expect.any(String));
    expect(error.errors.length).toBeGreaterThan(0);
    expect(error.errors[0]).toEqual({ field: expect.any(String), message: expect.any(String) });
    expect(error.message).toContain('validation_failed');
  });

  it('403, 404 and 409 keep their codes', async () => {
    const viewer = await addMember(t, org, 'viewer');
    const client = new Latchkey({ baseUrl: t.baseUrl, token: viewer.token });
    expect(await thrown(client.tokens.create({ name: 'nope', role: 'viewer' }))).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await thrown(lk.serviceAccounts.get('sa_0000000000000000'))).toMatchObject({ status: 404, code: 'not_found' });
    await lk.teams.create({ name: 'twice' });
    expect(await thrown(lk.teams.create({ name: 'twice' }))).toMatchObject({ status: 409, code: 'name_taken' });
  });

  it('never contain the token, in message, string form, inspection or JSON', async () => {
    const token = org.token.slice(0, -3) + 'AAA';
    const client = new Latchkey({ baseUrl: t.baseUrl, token });
    const invalid = await thrown(client.me());
    const unreachable = await thrown(new Latchkey({ baseUrl: 'http://127.0.0.1:1', token: org.token }).me());
    expect(unreachable).toMatchObject({ status: 0, code: 'network_error' });
    for (const [error, secret] of [
      [invalid, token],
      [unreachable, org.token],
    ] as const) {
      for (const text of [error.message, String(error), error.stack ?? '', inspect(error, { depth: 10 }), JSON.stringify(error)]) {
        expect(text).not.toContain(secret);
      }
    }
    // Nor does the client object show it.
    expect(inspect(client, { depth: 10, showHidden: true })).not.toContain(token);
    expect(JSON.stringify(Object.entries(client))).not.toContain(token);
  });
});
