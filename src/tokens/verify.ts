// POST /v1/verify: the host API asks whether a presented token is valid and
// whether it may do something. The answer is data (valid/code/allowed), not an
// HTTP error, so the host can act on each case.
import type { TokenFailure } from '../auth/credentials.js';
import type { Ctx, Deps, OrgRef, Principal } from '../deps.js';
import { allows, requireScope, scopesOf, type Grant } from '../permissions/engine.js';
import { resolveTokenCached } from './cache.js';
import { expiredUse } from './last-use.js';
import { AppError } from '../errors.js';
import { revokeOnReuse } from '../leaks/service.js';

export interface VerifyInput {
  token: string;
  scope?: string | undefined;
  resource?: string | undefined;
  team?: string | undefined;
  ip?: string | undefined;
}

export type VerifyCode = 'VALID' | 'FORBIDDEN' | 'RATE_LIMITED' | 'IP_NOT_ALLOWED' | TokenFailure;

export interface VerifyResult {
  valid: boolean;
  code: VerifyCode;
  allowed: boolean;
  /** `secretValidUntil`: when the presented value stops working because the token was rolled (its grace period's end), else null. */
  token: { id: string; name: string; kind: 'personal' | 'service'; prefix: string; expiresAt: string | null; secretValidUntil: string | null } | null;
  principal: Principal | null;
  org: OrgRef | null;
  scopes: string[];
  grants: Grant[];
  /** With RATE_LIMITED: seconds until the token's window ends. */
  retryAfter?: number;
}

// A cached resolution hands out the same grants array on every hit, so the
// display list of scopes is worked out once per resolution, not per verification.
const scopeLists = new WeakMap<readonly Grant[], string[]>();
function scopeListOf(grants: readonly Grant[]): string[] {
  let scopes = scopeLists.get(grants);
  if (scopes === undefined) {
    scopes = scopesOf(grants);
    scopeLists.set(grants, scopes);
  }
  return scopes;
}

const INVALID = { valid: false, allowed: false, token: null, principal: null, org: null, scopes: [], grants: [] };

export async function verifyToken(deps: Deps, ctx: Ctx, input: VerifyInput): Promise<VerifyResult> {
  requireScope(ctx.actor.grants, { scope: 'tokens:verify' });
  const nowMs = deps.clock.now().getTime();
  const caller = ctx.actor.credential.id;
  // A caller whose verifications keep naming tokens that do not exist is searching for one: it waits.
  const wait = deps.throttles?.verify.blockedFor(caller, nowMs) ?? 0;
  if (wait > 0) throw new AppError('rate_limited', `Too many failed verifications by this credential; try again in ${wait} s`, { headers: { 'Retry-After': String(wait) } });
  const resolution = await resolveTokenCached(deps, input.token);
  if (!resolution.ok) {
    if (resolution.code === 'MALFORMED' || resolution.code === 'NOT_FOUND') deps.throttles?.verify.failed(caller, nowMs);
    if (resolution.reusedSecret && resolution.token) await revokeOnReuse(deps, resolution.token, { ...ctx, ip: input.ip ?? ctx.ip });
    // Another org's token is, to this caller, a token that does not exist.
    if (resolution.orgId !== ctx.actor.org.id || !resolution.token) {
      return { ...INVALID, code: resolution.code === 'MALFORMED' ? 'MALFORMED' : 'NOT_FOUND' };
    }
    const t = resolution.token;
    if (resolution.code === 'EXPIRED') deps.lastUse.recordExpired({ ...expiredUse(t, ctx), ip: input.ip ?? ctx.ip });
    return {
      ...INVALID,
      code: resolution.code,
      token: { id: t.id, name: t.name, kind: t.kind, prefix: t.prefix, expiresAt: t.expires_at, secretValidUntil: null },
    };
  }
  const { actor, token } = resolution;
  if (actor.org.id !== ctx.actor.org.id) return { ...INVALID, code: 'NOT_FOUND' };
  const tokenRef = { id: token.id, name: token.name, kind: token.kind, prefix: token.prefix, expiresAt: token.expires_at, secretValidUntil: resolution.secretValidUntil };
  const refused = deps.limiter?.check(token, input.ip ?? ctx.ip, nowMs) ?? null;
  if (refused !== null) {
    return refused.code === 'RATE_LIMITED' ? { ...INVALID, code: refused.code, token: tokenRef, retryAfter: refused.retryAfterSeconds } : { ...INVALID, code: refused.code, token: tokenRef };
  }

  deps.lastUse.record({
    tokenId: token.id,
    orgId: token.org_id,
    name: token.name,
    prefix: token.prefix,
    userId: token.owner_user_id,
    ip: input.ip ?? ctx.ip,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
  });
  const allowed = input.scope === undefined || allows(actor.grants, { scope: input.scope, resource: input.resource ?? null, team: input.team ?? null });
  return {
    valid: true,
    code: allowed ? 'VALID' : 'FORBIDDEN',
    allowed,
    token: tokenRef,
    principal: actor.principal,
    org: actor.org,
    scopes: scopeListOf(actor.grants),
    grants: actor.grants,
  };
}

/** The most verifications one batch may ask for. */
export const MAX_BATCH = 100;

/**
 * Many verifications in one call, for a gateway that checks several tokens per
 * hop. Each answer is exactly what verifyToken gives for that item alone (same
 * codes, same recorded use); the caller's right to verify is checked once.
 */
export async function verifyTokens(deps: Deps, ctx: Ctx, inputs: readonly VerifyInput[]): Promise<VerifyResult[]> {
  requireScope(ctx.actor.grants, { scope: 'tokens:verify' });
  return Promise.all(inputs.map((input) => verifyToken(deps, ctx, input)));
}
