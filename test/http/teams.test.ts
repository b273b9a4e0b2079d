// Teams: members with team grants, team tokens issued and attached with grants,
// resource- and team-limited permissions, seats, and team:manage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp({ overrides: { plans: [{ name: 'team plan', seatLimit: 30, features: { auditLog: true } }] } });
  org = await createTestOrg(t);
});
afterAll(() => t.close());

async function post(url: string, payload: object, token = org.token) {
  return request(t, { method: 'POST', url, token, payload });
}

async function verify(token: string, scope: string, extra: { resource?: string; team?: string } = {}) {
  const res = await post('/v1/verify', { token, scope, ...extra });
  expect(res.statusCode).toBe(200);
  return res.json() as { valid: boolean; allowed: boolean; code: string };
}

describe('teams', () => {
  it('creates, lists, renames and refuses duplicate names', async () => {
    const created = await post('/v1/teams', { name: 'alpha' });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    expect(id).toMatch(/^team_/);
    expectProblem(await post('/v1/teams', { name: 'alpha' }), 409, 'name_taken');
    const renamed = await request(t, { method: 'PATCH', url: `/v1/teams/${id}`, token: org.token, payload: { name: 'alpha-2' } });
    expect(renamed.json().name).toBe('alpha-2');
    const list = await request(t, { method: 'GET', url: '/v1/teams', token: org.token });
    expect(list.json().data.map((x: { id: string }) => x.id)).toContain(id);
  });

  it('gives a member team-limited, resource-limited permissions, live', async () => {
    const team = (await post('/v1/teams', { name: 'beta' })).json();
    const viewer = await addMember(t, org, 'viewer');
    expect((await verify(viewer.token, 'issues:write', { team: team.id })).allowed).toBe(false);

    const added = await post(`/v1/teams/${team.id}/members`, { userId: viewer.userId, scopes: ['issues:write'], resources: ['repo_1'] });
    expect(added.statusCode).toBe(201);
    // Only in that team, and only on that resource.
    expect((await verify(viewer.token, 'issues:write', { team: team.id, resource: 'repo_1' })).allowed).toBe(true);
    expect((await verify(viewer.token, 'issues:write', { team: team.id, resource: 'repo_2' })).allowed).toBe(false);
    expect((await verify(viewer.token, 'issues:write', { team: team.id })).allowed).toBe(false);
    expect((await verify(viewer.token, 'issues:write', { resource: 'repo_1' })).allowed).toBe(false);

    // Widen the grant to all resources: effective on the next request.
    await request(t, { method: 'PATCH', url: `/v1/teams/${team.id}/members/${viewer.userId}`, token: org.token, payload: { scopes: ['issues:write'] } });
    expect((await verify(viewer.token, 'issues:write', { team: team.id, resource: 'repo_2' })).allowed).toBe(true);

    // Remove from the team: gone on the next request.
    const removed = await request(t, { method: 'DELETE', url: `/v1/teams/${team.id}/members/${viewer.userId}`, token: org.token });
    expect(removed.statusCode).toBe(200);
    expect((await verify(viewer.token, 'issues:write', { team: team.id, resource: 'repo_2' })).allowed).toBe(false);
  });

  it('issues a team token that takes a seat and acts only within its grant', async () => {
    const team = (await post('/v1/teams', { name: 'gamma' })).json();
    const seatsBefore = (await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json();
    const issued = await post(`/v1/teams/${team.id}/tokens`, { name: 'ci', scopes: ['issues:read'], resources: ['key_123'] });
    expect(issued.statusCode).toBe(201);
    const teamToken = issued.json();
    expect(teamToken.token).toMatch(/^lk_sat_/);
    expect(teamToken.grants).toEqual([{ team: team.id, scopes: ['issues:read'], resources: ['key_123'] }]);
    const seatsAfter = (await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json();
    expect(seatsAfter.used).toBe(seatsBefore.used + 1);
    expect(seatsAfter.breakdown.teamTokens).toBe(seatsBefore.breakdown.teamTokens + 1);

    expect((await verify(teamToken.token, 'issues:read', { team: team.id, resource: 'key_123' })).allowed).toBe(true);
    expect((await verify(teamToken.token, 'issues:read', { team: team.id, resource: 'key_999' })).allowed).toBe(false);
    expect((await verify(teamToken.token, 'issues:write', { team: team.id, resource: 'key_123' })).allowed).toBe(false);
    // Without team:manage it cannot manage the team's members or tokens.
    const denied = await post(`/v1/teams/${team.id}/tokens`, { name: 'sneaky', scopes: ['issues:read'] }, teamToken.token);
    expectProblem(denied, 403, 'forbidden');
    const listed = await request(t, { method: 'GET', url: `/v1/teams/${team.id}/tokens`, token: org.token });
    expect(listed.json().data.map((x: { id: string }) => x.id)).toContain(teamToken.id);
  });

  it('attaches an existing service token to several teams with different grants; detach takes effect at once and frees the seat', async () => {
    const one = (await post('/v1/teams', { name: 'one' })).json();
    const two = (await post('/v1/teams', { name: 'two' })).json();
    const key = (await post('/v1/tokens', { name: 'shared key', scopes: ['org:read'] })).json();
    expect((await verify(key.token, 'issues:read', { team: one.id })).allowed).toBe(false);

    const seats0 = (await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json().used;
    const a1 = await request(t, { method: 'PUT', url: `/v1/teams/${one.id}/tokens/${key.id}`, token: org.token, payload: { scopes: ['issues:read'] } });
    expect(a1.statusCode).toBe(200);
    const a2 = await request(t, { method: 'PUT', url: `/v1/teams/${two.id}/tokens/${key.id}`, token: org.token, payload: { scopes: ['issues:write'] } });
    expect(a2.statusCode).toBe(200);
    expect((await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json().used).toBe(seats0 + 2);

    expect((await verify(key.token, 'issues:read', { team: one.id })).allowed).toBe(true);
    expect((await verify(key.token, 'issues:write', { team: one.id })).allowed).toBe(false);
    expect((await verify(key.token, 'issues:write', { team: two.id })).allowed).toBe(true);

    // Changing an attachment's grant re-uses its seat.
    await request(t, { method: 'PUT', url: `/v1/teams/${one.id}/tokens/${key.id}`, token: org.token, payload: { scopes: ['issues:read', 'issues:write'] } });
    expect((await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json().used).toBe(seats0 + 2);
    expect((await verify(key.token, 'issues:write', { team: one.id })).allowed).toBe(true);

    const detached = await request(t, { method: 'DELETE', url: `/v1/teams/${one.id}/tokens/${key.id}`, token: org.token });
    expect(detached.statusCode).toBe(200);
    expect((await verify(key.token, 'issues:read', { team: one.id })).allowed).toBe(false);
    expect((await verify(key.token, 'issues:write', { team: two.id })).allowed).toBe(true);
    expect((await request(t, { method: 'GET', url: '/v1/seats', token: org.token })).json().used).toBe(seats0 + 1);
    expectProblem(await request(t, { method: 'DELETE', url: `/v1/teams/${one.id}/tokens/${key.id}`, token: org.token }), 404, 'not_found');
  });

  it('refuses to attach a personal token', async () => {
    const team = (await post('/v1/teams', { name: 'delta' })).json();
    const res = await request(t, { method: 'PUT', url: `/v1/teams/${team.id}/tokens/${org.tokenId}`, token: org.token, payload: { scopes: ['issues:read'] } });
    expectProblem(res, 400, 'validation_failed');
  });

  it('a team grant with team:manage lets a member manage that team, and only that team', async () => {
    const managed = (await post('/v1/teams', { name: 'managed' })).json();
    const other = (await post('/v1/teams', { name: 'other' })).json();
    const lead = await addMember(t, org, 'viewer');
    await post(`/v1/teams/${managed.id}/members`, { userId: lead.userId, scopes: ['team:manage', 'teams:read', 'issues:read'] });
    // The lead's personal token now carries the team grant (a PAT with tokens:manage is not needed for team routes).
    const issued = await post(`/v1/teams/${managed.id}/tokens`, { name: 'lead-ci', scopes: ['issues:read'] }, lead.token);
    expect(issued.statusCode).toBe(201);
    // Cannot grant more than the lead holds in the team.
    expectProblem(await post(`/v1/teams/${managed.id}/tokens`, { name: 'wide', scopes: ['issues:write'] }, lead.token), 403, 'forbidden');
    // Cannot manage another team.
    expectProblem(await post(`/v1/teams/${other.id}/tokens`, { name: 'x', scopes: ['issues:read'] }, lead.token), 403, 'forbidden');
    // A token that can read only this team lists only this team.
    const reader = (await post(`/v1/teams/${managed.id}/tokens`, { name: 'reader', scopes: ['teams:read'] }, lead.token)).json();
    const teams = (await request(t, { method: 'GET', url: '/v1/teams', token: reader.token })).json();
    expect(teams.data.map((x: { id: string }) => x.id)).toEqual([managed.id]);
    expectProblem(await request(t, { method: 'GET', url: `/v1/teams/${other.id}`, token: reader.token }), 403, 'forbidden');
  });

  it("removing someone from the org removes their team grants, so re-adding them does not bring the grants back", async () => {
    const team = (await post('/v1/teams', { name: 'churn' })).json();
    const person = await addMember(t, org, 'viewer');
    await post(`/v1/teams/${team.id}/members`, { userId: person.userId, scopes: ['team:manage', 'issues:write'] });
    expect((await request(t, { method: 'DELETE', url: `/v1/members/${person.userId}`, token: org.token })).statusCode).toBe(200);
    const listed = (await request(t, { method: 'GET', url: `/v1/teams/${team.id}/members`, token: org.token })).json();
    expect(listed.data.map((m: { userId: string }) => m.userId)).not.toContain(person.userId);
    const back = await post('/v1/members', { email: person.email, role: 'viewer' });
    expect(back.json().member.userId).toBe(person.userId);
    const fresh = (await request(t, { method: 'POST', url: '/v1/api-tokens', session: person.session, payload: { name: 'after return' } })).json();
    expect((await verify(fresh.token, 'issues:write', { team: team.id })).allowed).toBe(false);
    expect((await verify(fresh.token, 'team:manage', { team: team.id })).allowed).toBe(false);
  });

  it('deleting a team revokes the tokens it issued and detaches the others', async () => {
    const team = (await post('/v1/teams', { name: 'doomed' })).json();
    const own = (await post(`/v1/teams/${team.id}/tokens`, { name: 'own', scopes: ['issues:read'] })).json();
    const res = await request(t, { method: 'DELETE', url: `/v1/teams/${team.id}`, token: org.token });
    expect(res.json()).toMatchObject({ deleted: true, revokedTokens: 1 });
    expect((await verify(own.token, 'issues:read', { team: team.id })).code).toBe('REVOKED');
    expectProblem(await request(t, { method: 'GET', url: `/v1/teams/${team.id}`, token: org.token }), 404, 'not_found');
  });
});

describe('seats', () => {
  it('refuses to go over the limit with 409 seat_limit_reached and changes nothing; freeing a seat makes room', async () => {
    const small = await createTestApp({ overrides: { plans: [{ name: 'tiny', seatLimit: 2, features: { auditLog: true } }] } });
    try {
      const o = await createTestOrg(small);
      const team = (await request(small, { method: 'POST', url: '/v1/teams', token: o.token, payload: { name: 't' } })).json();
      const first = await request(small, { method: 'POST', url: `/v1/teams/${team.id}/tokens`, token: o.token, payload: { name: 'a', scopes: ['issues:read'] } });
      expect(first.statusCode).toBe(201);
      const seats = (await request(small, { method: 'GET', url: '/v1/seats', token: o.token })).json();
      expect(seats).toMatchObject({ limit: 2, used: 2, available: 0, breakdown: { members: 1, teamTokens: 1 } });
      const tokensBefore = await small.deps.db.selectFrom('tokens').select('id').execute();
      expectProblem(await request(small, { method: 'POST', url: `/v1/teams/${team.id}/tokens`, token: o.token, payload: { name: 'b', scopes: ['issues:read'] } }), 409, 'seat_limit_reached');
      expectProblem(await request(small, { method: 'POST', url: '/v1/members', token: o.token, payload: { email: 'x@example.com', role: 'member' } }).then(async (invite) => {
        // An invitation does not take a seat; accepting it would, and is refused.
        return small.app.inject({ method: 'POST', url: '/v1/auth/accept-invite', payload: { inviteToken: invite.json().inviteToken, password: 'long enough password', name: 'X' } });
      }), 409, 'seat_limit_reached');
      expect(await small.deps.db.selectFrom('tokens').select('id').execute()).toHaveLength(tokensBefore.length);
      await request(small, { method: 'DELETE', url: `/v1/teams/${team.id}/tokens/${first.json().id}`, token: o.token });
      const again = await request(small, { method: 'POST', url: `/v1/teams/${team.id}/tokens`, token: o.token, payload: { name: 'b', scopes: ['issues:read'] } });
      expect(again.statusCode).toBe(201);
    } finally {
      await small.close();
    }
  });
});
