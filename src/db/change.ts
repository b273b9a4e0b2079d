// Every change to permission-relevant state goes through `change`: one
// transaction, then, after it commits and before the caller responds, the
// credential caches that may hold the org's old state are told. (Invalidating
// before commit would let a concurrent reader cache the old state again.)
// `tokenIds` says which tokens' verify answers the change can alter, when that is
// known (a revoke, a roll): verifiers (GET /v1/verify/events) then drop only
// those; without it every answer in the org is dropped; [] means none is.
import type { Transaction } from 'kysely';
import type { Deps } from '../deps.js';
import type { Database } from './schema.js';

export async function change<T>(deps: Deps, orgId: string, work: (trx: Transaction<Database>) => Promise<T>, tokenIds?: readonly string[]): Promise<T> {
  const result = await deps.db.transaction().execute(async (trx) => {
    const done = await work(trx);
    // Inside the transaction: PostgreSQL delivers the notification at commit, and
    // never for a transaction that rolls back.
    await deps.publishChange?.(trx, orgId, tokenIds);
    return done;
  });
  await deps.changed(orgId, tokenIds);
  return result;
}
