// Rules that count rows and then write (seat limits, tokens per user) must not
// let two transactions both count, both pass and both write. SQLite runs one
// transaction at a time; PostgreSQL, at READ COMMITTED, does not, so such a rule
// first takes the org's row lock, held until commit: the next transaction on the
// same org waits there and then counts what the first one wrote.
import type { Transaction } from 'kysely';
import type { Database } from './schema.js';

/** Serialises this transaction with every other that locks the same org (call before counting). */
export async function lockOrg(trx: Transaction<Database>, orgId: string): Promise<void> {
  // A write that changes nothing: it row-locks on PostgreSQL, and is the same
  // statement on both databases (SQLite has no SELECT … FOR UPDATE).
  await trx.updateTable('orgs').set((eb) => ({ audit_seq: eb.ref('audit_seq') })).where('id', '=', orgId).execute();
}
