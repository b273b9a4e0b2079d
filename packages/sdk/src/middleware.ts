// What both middlewares do, framework aside: find the token (Authorization:
// Bearer or X-API-Key), ask the verifier, and turn its answer into "go on" or a
// problem+json refusal. Latchkey unreachable means 503: never let a request
// through unverified (fail closed).
import { LatchkeyError } from './errors.js';
import type { VerifyOptions, VerifyResult } from './types.js';

/** A Verifier (cached), or a Latchkey client itself (every call asks the server). */
export interface VerifierLike {
  verify(token: string, options?: VerifyOptions): Promise<VerifyResult>;
}

/** What a route asks of the token: a scope (string), or scope with team and resource. */
export type Question = string | Omit<VerifyOptions, 'ip'>;

export interface GuardOptions<Req> {
  verifier: VerifierLike;
  /** The scope every request must hold, or a function of the request (undefined: only validity). */
  scope?: Question | ((request: Req) => Question | undefined);
  /** Send the client's IP along (for tokens limited to IP ranges; default true). */
  forwardIp?: boolean;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  /** The verify code behind a refusal (`REVOKED`, `FORBIDDEN`, …). */
  verifyCode?: string;
  requestId?: string;
}

export type Outcome = { ok: true; result: VerifyResult } | { ok: false; problem: Problem; headers: Record<string, string> };

const TITLES: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too many requests', 503: 'Service unavailable' };

function refuse(status: number, code: string, detail: string, headers: Record<string, string>, verifyCode?: string): Outcome {
  const problem: Problem = { type: 'about:blank', title: TITLES[status] ?? 'Error', status, detail, code };
  if (verifyCode) problem.verifyCode = verifyCode;
  return { ok: false, problem, headers };
}

const challenge = (error?: string, extra = '') => ({ 'www-authenticate': `Bearer${error ? ` error="${error}"${extra}` : ''}` });

const INVALID: Record<string, [status: number, code: string, detail: string]> = {
  MALFORMED: [401, 'invalid_token', 'The token is not valid'],
  NOT_FOUND: [401, 'invalid_token', 'The token is not valid'],
  REVOKED: [401, 'token_revoked', 'The token has been revoked'],
  EXPIRED: [401, 'token_expired', 'The token has expired'],
  SUSPENDED: [401, 'account_suspended', "The token's owner is suspended"],
  IP_NOT_ALLOWED: [403, 'ip_not_allowed', 'The token may not be used from this address'],
  RATE_LIMITED: [429, 'rate_limited', 'The token is over its rate limit'],
};

type HeaderValue = string | string[] | undefined;

/** The presented token, '' for a malformed Authorization header, null for none. */
export function presentedToken(authorization: HeaderValue, apiKey: HeaderValue): string | null {
  const auth = Array.isArray(authorization) ? authorization[0] : authorization;
  if (auth !== undefined) {
    const match = /^Bearer +(\S+) *$/i.exec(auth);
    return match?.[1] ?? '';
  }
  const key = Array.isArray(apiKey) ? apiKey[0] : apiKey;
  return key === undefined ? null : key.trim();
}

export function questionFor<Req>(options: GuardOptions<Req>, request: Req): VerifyOptions {
  const asked = typeof options.scope === 'function' ? options.scope(request) : options.scope;
  return typeof asked === 'string' ? { scope: asked } : { ...asked };
}

export async function decide(verifier: VerifierLike, token: string | null, question: VerifyOptions): Promise<Outcome> {
  if (token === null) return refuse(401, 'unauthorized', 'Send a token as "Authorization: Bearer <token>" or "X-API-Key: <token>"', challenge());
  if (token === '') return refuse(401, 'invalid_token', 'Send the token as "Authorization: Bearer <token>"', challenge('invalid_request'));
  let result: VerifyResult;
  try {
    result = await verifier.verify(token, question);
  } catch (error) {
    // Latchkey refused the question itself (a value it cannot take): the token is not usable.
    if (error instanceof LatchkeyError && error.status === 400) return refuse(401, 'invalid_token', 'The token is not valid', challenge('invalid_token'));
    return refuse(503, 'unavailable', 'Tokens cannot be verified right now', { 'retry-after': '1' });
  }
  if (!result.valid || result.code === 'IP_NOT_ALLOWED' || result.code === 'RATE_LIMITED') {
    const [status, code, detail] = INVALID[result.code] ?? [401, 'invalid_token', 'The token is not valid'];
    const headers: Record<string, string> = status === 401 ? challenge('invalid_token') : status === 429 ? { 'retry-after': '1' } : {};
    return refuse(status, code, detail, headers, result.code);
  }
  if (!result.allowed) {
    const scope = question.scope ?? '';
    return refuse(403, 'forbidden', `The token lacks the scope ${scope}`, challenge('insufficient_scope', ` scope="${scope.replace(/"/g, '')}"`), result.code);
  }
  return { ok: true, result };
}
