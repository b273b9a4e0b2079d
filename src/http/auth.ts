// Authentication for every route, by its `config.auth`:
//   'none'    public (login, health, OpenAPI)
//   'session' a signed-in person (cookie) with or without an org
//   'org'     any credential acting in an org (the default)
// Bearer/X-API-Key tokens win over the cookie; a cookie on an unsafe method must
// carry the CSRF token.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { resolveSession, type TokenFailure } from '../auth/credentials.js';
import { csrfTokenFor } from '../auth/service.js';
import type { Actor, CallMeta, Ctx, Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { resolveTokenCached } from '../tokens/cache.js';
import { expiredUse } from '../tokens/last-use.js';
import { revokeOnReuse } from '../leaks/service.js';

export type AuthMode = 'none' | 'session' | 'org';

export const SESSION_COOKIE = 'latchkey_session';

declare module 'fastify' {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    actor: Actor | null;
    session: { id: string; userId: string } | null;
  }
}

const TOKEN_FAILURES: Record<TokenFailure, AppError> = {
  MALFORMED: new AppError('invalid_token', 'The token is not a valid Latchkey token'),
  NOT_FOUND: new AppError('invalid_token', 'The token is not valid'),
  REVOKED: new AppError('token_revoked', 'The token has been revoked'),
  EXPIRED: new AppError('token_expired', 'The token has expired'),
  SUSPENDED: new AppError('account_suspended', "The token's owner is suspended in this organization"),
  APPROVAL_PENDING: new AppError('approval_pending', 'This token waits for an organization admin to approve it (POST /v1/tokens/{id}/approve)'),
};

const UNAUTHORIZED_TOKEN = new AppError('unauthorized', 'The token is not valid');

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_USER_AGENT = 512;

export function callMeta(request: FastifyRequest): CallMeta {
  const ua = request.headers['user-agent'];
  return { requestId: String(request.id), ip: request.ip ?? null, userAgent: typeof ua === 'string' ? ua.slice(0, MAX_USER_AGENT) : null };
}

/** The per-call context for a route that acts in an org. */
export function ctxOf(request: FastifyRequest): Ctx {
  if (!request.actor) throw new AppError('not_found', 'You are not a member of any organization yet; create one with POST /v1/orgs');
  return { actor: request.actor, ...callMeta(request) };
}

export function presentedToken(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (!match?.[1]) throw new AppError('invalid_token', 'Send the token as "Authorization: Bearer <token>"');
    return match[1];
  }
  const apiKey = request.headers['x-api-key'];
  if (apiKey !== undefined) return Array.isArray(apiKey) ? (apiKey[0] ?? '') : apiKey.trim();
  return null;
}

function challenge(error: AppError): AppError {
  return new AppError(error.code, error.message, { headers: { 'WWW-Authenticate': `Bearer realm="latchkey", error="invalid_token"` } });
}

/** The session cookie, parsed here rather than by a hook on every request (most requests carry a token). */
export function sessionCookieOf(request: FastifyRequest): string | undefined {
  const header = request.headers.cookie;
  return header ? request.server.parseCookie(header)[SESSION_COOKIE] : undefined;
}

export function authHook(deps: Deps) {
  return async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    request.actor = null;
    request.session = null;
    const mode = request.routeOptions.config.auth ?? 'org';
    if (mode === 'none') return;

    const token = mode === 'org' ? presentedToken(request) : null;
    if (token !== null) {
      const nowMs = deps.clock.now().getTime();
      // An address that keeps presenting tokens that do not exist is guessing: it waits.
      const wait = deps.throttles?.bearer.blockedFor(request.ip, nowMs) ?? 0;
      if (wait > 0) throw new AppError('rate_limited', `Too many failed authentications from this address; try again in ${wait} s`, { headers: { 'Retry-After': String(wait) } });
      const resolved = await resolveTokenCached(deps, token);
      if (!resolved.ok) {
        if (resolved.code === 'MALFORMED' || resolved.code === 'NOT_FOUND') deps.throttles?.bearer.failed(request.ip, nowMs);
        if (resolved.code === 'EXPIRED' && resolved.token) deps.lastUse.recordExpired(expiredUse(resolved.token, callMeta(request)));
        if (resolved.reusedSecret && resolved.token) await revokeOnReuse(deps, resolved.token, callMeta(request));
        // A deployment may answer every bad token alike (config auth.distinguishTokenFailures).
        throw challenge(deps.config.auth.distinguishTokenFailures ? TOKEN_FAILURES[resolved.code] : UNAUTHORIZED_TOKEN);
      }
      const refused = deps.limiter?.check(resolved.token, request.ip, nowMs) ?? null;
      if (refused !== null) {
        if (refused.code === 'IP_NOT_ALLOWED') throw new AppError('ip_not_allowed', `This token may not be used from ${request.ip}`);
        throw new AppError('rate_limited', `This token's rate limit is reached; try again in ${refused.retryAfterSeconds} s`, {
          headers: { 'Retry-After': String(refused.retryAfterSeconds) },
        });
      }
      request.actor = resolved.actor;
      const meta = callMeta(request);
      deps.lastUse.record({
        tokenId: resolved.token.id,
        orgId: resolved.token.org_id,
        name: resolved.token.name,
        prefix: resolved.token.prefix,
        userId: resolved.token.owner_user_id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        requestId: meta.requestId,
      });
      return;
    }

    const cookie = sessionCookieOf(request);
    if (!cookie && mode === 'session' && presentedToken(request) !== null) {
      throw new AppError('session_required', 'This action needs a signed-in person at the dashboard; no token can do it');
    }
    if (!cookie) {
      throw mode === 'session'
        ? new AppError('unauthorized', 'Sign in first (POST /v1/auth/login); this action needs a session')
        : challenge(new AppError('unauthorized', 'Send a token (Authorization: Bearer) or sign in'));
    }
    const orgHeader = request.headers['latchkey-org'];
    const session = await resolveSession(deps, cookie, typeof orgHeader === 'string' ? orgHeader : undefined);
    if (!session.ok) {
      if (session.code === 'org_not_found') throw new AppError('not_found', 'No such organization for this user');
      throw new AppError(session.code === 'account_suspended' ? 'account_suspended' : session.code === 'session_expired' ? 'session_expired' : 'unauthorized');
    }
    if (UNSAFE.has(request.method)) {
      const sent = request.headers['x-csrf-token'];
      if (typeof sent !== 'string' || !deps.hasher.equals(sent, csrfTokenFor(deps, session.sessionId))) {
        throw new AppError('csrf_failed', 'Send the csrfToken from your login response as the X-CSRF-Token header');
      }
    }
    request.session = { id: session.sessionId, userId: session.userId };
    request.actor = session.actor;
  };
}
