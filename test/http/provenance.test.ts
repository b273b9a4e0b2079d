// Provenance and approval through HTTP (SPEC §10): a token minted by a token is
// its child and dies with it; under org policy requireApproval a new personal
// token answers 403 approval_pending until an admin approves it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember, createTestApp, createTestOrg, expectProblem, request, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let org: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  org = await createTestOrg(t);
});
afterAll(() => t.close());

let n = 0;
async function mint(token: string, payload: Record<string, unknown> = {}, url = '/v1/api-tokens') {
  const res = await request(t, { method: 'POST', url, token, payload: { name: `p ${++n}`, ...payload } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; token: string; parentTokenId: string | null; approval: string | null; status: string };
}
const me = (token: string) => request(t, { method: 'GET', url: '/v1/me', token });
const reasonOf = async (id: string) => (await t.deps.db.selectFrom('tokens').select('revoked_reason').where('id', '=', id).executeTakeFirstOrThrow()).revoked_reason;

describe('provenance', () => {
  it('a token minted by a token shows its parent, and revoking the parent revokes the whole tree', async () => {
    const parent = await mint(org.token);
    expect(parent.parentTokenId).toBe(org.tokenId);
    const child = await mint(parent.token);
    const grandchild = await mint(child.token);
    const serviceChild = await mint(parent.token, { role: 'viewer' }, '/v1/tokens');
    const sibling = await mint(org.token);
    expect(child.parentTokenId).toBe(parent.id);
    expect(grandchild.parentTokenId).toBe(child.id);
    expect(serviceChild.parentTokenId).toBe(parent.id);

    const revoked = await request(t, { method: 'DELETE', url: `/v1/api-tokens/${parent.id}`, token: org.token });
    expect(revoked.json()).toMatchObject({ status: 'revoked', revokedReason: null });
    for (const token of [parent, child, grandchild, serviceChild]) expectProblem(await me(token.token), 401, 'token_revoked');
    expect((await me(sibling.token)).statusCode).toBe(200);
    expect(await reasonOf(grandchild.id)).toBe('parent_revoked');
    const view = await request(t, { method: 'GET', url: `/v1/tokens/${serviceChild.id}`, token: org.token });
    expect(view.json()).toMatchObject({ status: 'revoked', revokedReason: 'parent_revoked', parentTokenId: parent.id });
    const events = await t.deps.db.selectFrom('audit_events').select(['target_id', 'metadata', 'actor_id']).where('action', '=', 'token.revoked').where('target_id', '=', grandchild.id).execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.metadata)).toMatchObject({ reason: 'parent_revoked', parentTokenId: child.id });
    expect(events[0]!.actor_id).toBe(org.tokenId);
  });

  it("revoke-all of one's own tokens takes the service tokens they minted along", async () => {
    const member = await addMember(t, org, 'admin');
    const minted = await mint(member.token, { role: 'viewer' }, '/v1/tokens');
    const res = await request(t, { method: 'POST', url: '/v1/api-tokens/revoke-all', token: member.token, payload: {} });
    expect(res.statusCode).toBe(200);
    expectProblem(await me(minted.token), 401, 'token_revoked');
    expect(await reasonOf(minted.id)).toBe('parent_revoked');
  });

  it('a token minted at the dashboard (by a session) has no parent', async () => {
    const member = await addMember(t, org, 'member');
    const view = await request(t, { method: 'GET', url: `/v1/api-tokens/${member.tokenId}`, session: member.session });
    expect(view.json().parentTokenId).toBeNull();
  });
});

describe('requireApproval', () => {
  let fresh: TestOrg;
  beforeAll(async () => {
    fresh = await createTestOrg(t, 'Approvals');
    const res = await request(t, { method: 'PATCH', url: '/v1/org', token: fresh.token, payload: { policy: { requireApproval: true } } });
    expect(res.json().policy.requireApproval).toBe(true);
  });

  it("a member's new token answers 403 approval_pending (and verify APPROVAL_PENDING) until an admin approves it", async () => {
    const member = await addMember(t, fresh, 'member');
    // The member's first token was minted (by addMember) after the policy: pending too.
    expectProblem(await me(member.token), 403, 'approval_pending');
    const pending = await request(t, { method: 'POST', url: '/v1/api-tokens', session: member.session, payload: { name: 'ci' } });
    expect(pending.json()).toMatchObject({ approval: 'pending', status: 'active' });
    const token = pending.json().token as string;
    expectProblem(await me(token), 403, 'approval_pending');
    const verifier = await mint(fresh.token, { scopes: ['tokens:verify'] });
    const verify = async () => (await request(t, { method: 'POST', url: '/v1/verify', token: verifier.token, payload: { token } })).json();
    expect(await verify()).toMatchObject({ valid: false, code: 'APPROVAL_PENDING', token: { id: pending.json().id } });

    // A member cannot approve (their own or anyone's); an unknown or other org's id is 404.
    expectProblem(await request(t, { method: 'POST', url: `/v1/tokens/${pending.json().id}/approve`, session: member.session }), 403, 'forbidden');
    expectProblem(await request(t, { method: 'POST', url: `/v1/tokens/${pending.json().id}/approve`, token: org.token }), 404, 'not_found');
    expectProblem(await request(t, { method: 'POST', url: '/v1/tokens/tok_nothing/approve', token: fresh.token }), 404, 'not_found');

    const approved = await request(t, { method: 'POST', url: `/v1/tokens/${pending.json().id}/approve`, token: fresh.token });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.json()).toMatchObject({ approval: 'approved', status: 'active' });
    expect((await me(token)).statusCode).toBe(200);
    expect((await verify()).code).toBe('VALID');
    // Approving again changes nothing and records nothing.
    await request(t, { method: 'POST', url: `/v1/tokens/${pending.json().id}/approve`, token: fresh.token });
    const events = await t.deps.db.selectFrom('audit_events').select(['actor_id']).where('action', '=', 'token.approved').where('target_id', '=', pending.json().id).execute();
    expect(events).toEqual([{ actor_id: fresh.tokenId }]);
  });

  it("an admin's own new tokens need no approval; a revoked pending token cannot be approved", async () => {
    const mine = await mint(fresh.token);
    expect(mine.approval).toBe('approved');
    expect((await me(mine.token)).statusCode).toBe(200);

    const member = await addMember(t, fresh, 'member');
    await request(t, { method: 'DELETE', url: `/v1/api-tokens/${member.tokenId}`, session: member.session });
    expectProblem(await request(t, { method: 'POST', url: `/v1/tokens/${member.tokenId}/approve`, token: fresh.token }), 409, 'token_inactive');
  });

  it('without the policy, tokens need no approval', async () => {
    expect((await mint(org.token)).approval).toBeNull();
  });
});
