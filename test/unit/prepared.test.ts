// runPrepared: a query compiled once answers for every parameter value, on the real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPrepared } from '../../src/db/prepared.js';
import { createTestApp, createTestOrg, type TestApp, type TestOrg } from '../helpers.js';

let t: TestApp;
let a: TestOrg;
let b: TestOrg;

beforeAll(async () => {
  t = await createTestApp();
  a = await createTestOrg(t, 'A');
  b = await createTestOrg(t, 'B');
});
afterAll(() => t.close());

const orgName = (id: string) => runPrepared(t.deps.db, 'test.orgName', (db) => db.selectFrom('orgs').select('name').where('id', '=', ''), [id]);

describe('runPrepared', () => {
  it('runs the same compiled query with each call’s own parameters', async () => {
    expect(await orgName(a.orgId)).toEqual([{ name: 'A' }]);
    expect(await orgName(b.orgId)).toEqual([{ name: 'B' }]);
    expect(await orgName('org_missing')).toEqual([]);
  });

  it('refuses a parameter list that does not fit the query', async () => {
    await expect(runPrepared(t.deps.db, 'test.twoParams', (db) => db.selectFrom('orgs').select('id').where('id', '=', '').where('name', '=', ''), ['x'])).rejects.toThrow(/2 parameters, given 1/);
  });
});
