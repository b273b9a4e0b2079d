// Sessions for people at the dashboard: login, logout, accepting an invitation.
// The session secret lives only in an httpOnly cookie; we store its HMAC. The
// CSRF token is derived from the session id, so there is nothing more to store.
import { createHmac } from 'node:crypto';
import type { CallMeta, Deps, OrgRef } from '../deps.js';
import { AppError } from '../errors.js';
import { recordEvent, recordEvents, type AuditActor } from '../audit/record.js';
import { Throttles } from '../throttling/throttles.js';
import { newId, randomBase62 } from '../random.js';
import { addSeconds } from '../clock.js';
import { parseToken } from '../tokens/format.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { assertSeatFree } from '../orgs/service.js';

export interface SessionStart {
  user: { id: string; email: string; name: string };
  org: OrgRef | null;
  csrfToken: string;
  expiresAt: string;
  /** Goes into the cookie, never into a body. */
  secret: string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function csrfTokenFor(deps: Deps, sessionId: string): string {
  // Keyed by the pepper: the hasher's key is private, so derive through it.
  return createHmac('sha256', deps.hasher.hash(sessionId, 'csrf')).update('csrf').digest('base64url');
}

async function startSession(deps: Deps, meta: CallMeta, user: { id: string; email: string; name: string }, org: OrgRef | null): Promise<SessionStart> {
  const now = deps.clock.now();
  const secret = randomBase62(43);
  const id = newId('ses', now);
  const expiresAt = addSeconds(now, deps.config.sessionTtlSeconds).toISOString();
  await deps.db
    .insertInto('sessions')
    .values({
      id,
      user_id: user.id,
      secret_hash: deps.hasher.hash(secret, 'session'),
      org_id: org?.id ?? null,
      created_at: now.toISOString(),
      expires_at: expiresAt,
      ip: meta.ip,
      user_agent: meta.userAgent,
    })
    .execute();
  return { user, org, csrfToken: csrfTokenFor(deps, id), expiresAt, secret };
}

/** The signed-in person's session as login returned it (without the secret): lets a reloaded dashboard get its CSRF token back. */
export async function currentSession(deps: Deps, sessionId: string, org: OrgRef | null): Promise<Omit<SessionStart, 'secret'>> {
  const row = await deps.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.email', 'users.name', 'sessions.expires_at'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirstOrThrow();
  return { user: { id: row.id, email: row.email, name: row.name }, org, csrfToken: csrfTokenFor(deps, sessionId), expiresAt: row.expires_at };
}

// Spent on unknown emails so a failed login takes as long either way.
let dummyHash: string | null = null;

export async function login(deps: Deps, meta: CallMeta, input: { email: string; password: string; orgId?: string | undefined }): Promise<SessionStart> {
  const email = normalizeEmail(input.email);
  // Too many failures for this account from this address: refused before the password is even checked.
  const throttleKey = Throttles.loginKey(email, meta.ip);
  const wait = deps.throttles?.login.blockedFor(throttleKey, deps.clock.now().getTime()) ?? 0;
  if (wait > 0) {
    throw new AppError('rate_limited', `Too many failed sign-ins for this account from this address; try again in ${wait} s`, { headers: { 'Retry-After': String(wait) } });
  }
  const user = await deps.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  const memberships = user
    ? await deps.db
        .selectFrom('memberships as m')
        .innerJoin('orgs as o', 'o.id', 'm.org_id')
        .select(['o.id', 'o.name', 'o.plan', 'm.status'])
        .where('m.user_id', '=', user.id)
        .orderBy('m.created_at')
        .execute()
    : [];
  let ok = false;
  if (user?.password_hash) {
    ok = await verifyPassword(input.password, user.password_hash);
  } else {
    dummyHash ??= await hashPassword('not a password', deps.config.passwordCost);
    await verifyPassword(input.password, dummyHash);
  }
  const now = deps.clock.now();
  if (!user || !ok) {
    const lockedOut = deps.throttles?.login.failed(throttleKey, now.getTime()) ?? false;
    if (user) {
      const actor: AuditActor = { type: 'user', id: user.id, name: user.name, prefix: null, userId: user.id };
      const limits = deps.config.throttles.loginFailures;
      await deps.db.transaction().execute(async (trx) => {
        for (const m of memberships) {
          await recordEvents(trx, deps.hasher, now, m.id, [
            { actor, meta, input: { action: 'auth.login_failed', targetType: 'user', targetId: user.id } },
            // The failure that reaches the limit starts a lockout; recorded once, not for every refused attempt after it.
            ...(lockedOut
              ? [{ actor, meta, input: { action: 'auth.login_throttled', targetType: 'user', targetId: user.id, metadata: { failures: limits.limit, windowSeconds: limits.windowSeconds } } }]
              : []),
          ]);
        }
      });
    }
    throw new AppError('invalid_credentials');
  }
  deps.throttles?.login.reset(throttleKey);
  const active = memberships.filter((m) => m.status === 'active');
  const chosen = input.orgId ? active.find((m) => m.id === input.orgId) : active[0];
  if (input.orgId && !chosen) throw new AppError('not_found', `No organization ${input.orgId} for this user`);
  const org = chosen ? { id: chosen.id, name: chosen.name, plan: chosen.plan } : null;
  const session = await startSession(deps, meta, { id: user.id, email: user.email, name: user.name }, org);
  if (org) {
    const actor: AuditActor = { type: 'user', id: user.id, name: user.name, prefix: null, userId: user.id };
    await deps.db.transaction().execute((trx) => recordEvent(trx, deps.hasher, now, org.id, actor, meta, { action: 'auth.login', targetType: 'user', targetId: user.id }));
  }
  return session;
}

export async function logout(deps: Deps, sessionId: string): Promise<void> {
  await deps.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

export async function acceptInvite(
  deps: Deps,
  meta: CallMeta,
  input: { inviteToken: string; password: string; name: string },
): Promise<SessionStart> {
  const parsed = parseToken(input.inviteToken, deps.config.tokenPrefix);
  const invalid = new AppError('invalid_invite', 'This invitation is not valid', { errors: [{ field: 'inviteToken', message: 'invalid or expired' }] });
  if (!parsed || parsed.kind !== 'inv') throw invalid;
  const now = deps.clock.now();
  const passwordHash = await hashPassword(input.password, deps.config.passwordCost);
  const result = await deps.db.transaction().execute(async (trx) => {
    const invite = await trx
      .selectFrom('invitations as i')
      .innerJoin('orgs as o', 'o.id', 'i.org_id')
      .select(['i.id', 'i.org_id', 'i.email', 'i.role', 'i.expires_at', 'i.accepted_at', 'o.name as org_name', 'o.plan as org_plan'])
      .where('i.token_hash', '=', deps.hasher.hash(input.inviteToken, 'invite'))
      .executeTakeFirst();
    if (!invite || invite.accepted_at !== null || invite.expires_at <= now.toISOString()) throw invalid;
    const taken = await trx.selectFrom('users').select('id').where('email', '=', invite.email).executeTakeFirst();
    if (taken) throw new AppError('email_taken', 'A user with this email already exists; ask to be added as a member instead');
    await assertSeatFree(deps, trx, invite.org_id);
    const user = { id: newId('usr', now), email: invite.email, name: input.name };
    await trx.insertInto('users').values({ ...user, password_hash: passwordHash, created_at: now.toISOString() }).execute();
    await trx
      .insertInto('memberships')
      .values({ org_id: invite.org_id, user_id: user.id, role: invite.role, status: 'active', created_at: now.toISOString(), updated_at: now.toISOString() })
      .execute();
    await trx.updateTable('invitations').set({ accepted_at: now.toISOString() }).where('id', '=', invite.id).execute();
    await recordEvent(trx, deps.hasher, now, invite.org_id, { type: 'user', id: user.id, name: user.name, prefix: null, userId: user.id }, meta, {
      action: 'member.joined',
      targetType: 'user',
      targetId: user.id,
      metadata: { email: user.email, role: invite.role, invitationId: invite.id },
    });
    return { user, org: { id: invite.org_id, name: invite.org_name, plan: invite.org_plan } };
  });
  return startSession(deps, meta, result.user, result.org);
}

