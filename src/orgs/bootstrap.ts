// `latchkey init`: the first org, its owner and the owner's first token, once.
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { auditAction, recordEvent, SYSTEM_ACTOR } from '../audit/record.js';
import { hashPassword } from '../auth/passwords.js';
import { normalizeEmail } from '../auth/service.js';
import { newId } from '../random.js';
import { insertToken } from '../tokens/service.js';
import { insertOrgWithOwner } from './service.js';

export interface InitResult {
  org: { id: string; name: string };
  user: { id: string; email: string };
  token: string;
  tokenId: string;
}

export async function initialize(deps: Deps, input: { orgName: string; email: string; password: string | null }): Promise<InitResult> {
  const email = normalizeEmail(input.email);
  const passwordHash = input.password === null ? null : await hashPassword(input.password, deps.config.passwordCost);
  const meta = { requestId: null, ip: null, userAgent: 'latchkey-cli' };
  return deps.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('orgs').select('id').limit(1).executeTakeFirst();
    if (existing) throw new AppError('already_initialized', 'This database already has an organization; init changes nothing');
    const now = deps.clock.now();
    const user = { id: newId('usr', now), email, name: email.split('@')[0] ?? email };
    await trx.insertInto('users').values({ ...user, password_hash: passwordHash, created_at: now.toISOString() }).execute();
    const org = await insertOrgWithOwner(trx, deps, meta, { name: input.orgName, ownerId: user.id, actor: SYSTEM_ACTOR });
    const { row, secret } = await insertToken(trx, deps, {
      orgId: org.id,
      kind: 'personal',
      ownerUserId: user.id,
      serviceAccountId: null,
      role: null,
      ownerKey: user.id,
      name: 'initial token',
      grants: null,
      expiresAt: null,
      createdBy: null,
    });
    await recordEvent(trx, deps.hasher, now, org.id, SYSTEM_ACTOR, meta, {
      action: auditAction(deps.config, 'token.minted', 'personal'),
      targetType: 'token',
      targetId: row.id,
      metadata: { name: row.name, prefix: row.prefix, kind: 'personal', scopes: null, expiresAt: null },
    });
    return { org: { id: org.id, name: org.name }, user: { id: user.id, email }, token: secret, tokenId: row.id };
  });
}
