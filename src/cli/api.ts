// The CLI's one door to a Latchkey server. It has the shape of @latchkey/sdk's
// client (SPEC §7.5: `new Latchkey({ baseUrl, token })`, a resource object per
// noun, `LatchkeyError`, lists as async iterables that follow nextCursor), so the
// commands are written against that API and this file is the only one that
// changes when the SDK package is wired in.

export interface Grant {
  team: string | null;
  scopes: string[];
  resources: string[] | null;
}

export interface Token {
  id: string;
  name: string;
  kind: 'personal' | 'service';
  prefix: string;
  scopes: string[];
  grants: Grant[];
  role: string | null;
  ownerUserId: string | null;
  serviceAccountId: string | null;
  teamId: string | null;
  expiresAt: string | null;
  createdAt: string;
  createdBy: { type: string; id: string | null };
  rolledAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
  lastUsedIp: string | null;
  status: 'active' | 'revoked' | 'expired';
}

export interface MintedToken extends Token {
  token: string;
}

export interface Me {
  principal: { type: 'user' | 'service_account' | 'org'; id: string; name: string; email?: string };
  org: { id: string; name: string; plan: string };
  credential: { type: 'token' | 'session'; id?: string; name?: string; prefix?: string; kind?: string; expiresAt?: string | null };
  role: string | null;
  scopes: string[];
  grants: Grant[];
}

export interface Policy {
  maxPersonalTokensPerUser: number | null;
  requireExpiry: boolean;
  maxLifetimeDays: number | null;
}

export interface Org {
  id: string;
  name: string;
  plan: string;
  policy: Policy;
  seats: { limit: number | null; used: number; available: number | null };
  createdAt: string;
}

export interface ServiceAccount {
  id: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export interface Team {
  id: string;
  name: string;
  createdAt: string;
}

export interface TeamMember {
  userId: string;
  email: string;
  name: string;
  scopes: string[];
  resources: string[] | null;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  status: 'active' | 'suspended';
  createdAt: string;
}

export interface Invitation {
  member: Member | null;
  invitation: { id: string; email: string; role: string; status: 'invited'; expiresAt: string } | null;
  inviteToken: string | null;
}

export interface AuditEvent {
  id: string;
  seq: number;
  createdAt: string;
  actor: { type: string; id: string | null; name: string | null; prefix: string | null; userId: string | null };
  action: string;
  target: { type: string | null; id: string | null };
  requestId: string | null;
  ip: string | null;
  userAgent: string | null;
  metadata: Record<string, unknown>;
}

export interface VerifyResult {
  valid: boolean;
  code: string;
  allowed: boolean;
  token: { id: string; name: string; kind: string; prefix: string; expiresAt: string | null } | null;
  principal: { type: string; id: string; name: string } | null;
  org: { id: string; name: string } | null;
  scopes: string[];
}

export interface Role {
  name: string;
  rank: number;
  scopes: string[];
}

export interface ScopeEntry {
  scope: string;
  category: string;
  description: string;
}

export type ExpiresIn = '7d' | '30d' | '60d' | '90d' | '1y';
export interface ExpiryFields {
  expiresIn?: ExpiresIn | null;
  expiresAt?: string | null;
}
export interface GrantFields {
  scopes: string[];
  resources?: string[] | null;
}

/** A problem answered by the server (RFC 9457), or a failure to reach it. */
export class LatchkeyError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string | null;
  readonly detail: string;
  readonly errors: { field: string; message: string }[];

  constructor(init: { status: number; code: string; detail: string; requestId?: string | null; errors?: { field: string; message: string }[] }) {
    super(init.detail);
    this.name = 'LatchkeyError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.requestId = init.requestId ?? null;
    this.errors = init.errors ?? [];
  }
}

export interface LatchkeyOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
  userAgent?: string;
}

type Query = Record<string, string | number | undefined>;

/** A page-following list: `for await` yields every item; `.page()` the first page only. */
export interface List<T> extends AsyncIterable<T> {
  page(): Promise<{ data: T[]; nextCursor: string | null }>;
}

export class Latchkey {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: LatchkeyOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'latchkey-cli';
  }

  /** One request; a non-2xx answer is thrown as a LatchkeyError. */
  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query; accept?: string } = {}): Promise<T> {
    const url = new URL(this.baseUrl + path);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}`, 'user-agent': this.#userAgent, accept: options.accept ?? 'application/json' };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? null : JSON.stringify(options.body),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new LatchkeyError({ status: 0, code: 'unreachable', detail: `cannot reach ${this.baseUrl} (${reason})` });
    }
    const text = await response.text();
    if (!response.ok) {
      let problem: Record<string, unknown> = {};
      try {
        problem = JSON.parse(text) as Record<string, unknown>;
      } catch {
        // Not problem+json (a proxy's page, say): the status line will do.
      }
      throw new LatchkeyError({
        status: response.status,
        code: typeof problem.code === 'string' ? problem.code : `http_${response.status}`,
        detail: typeof problem.detail === 'string' ? problem.detail : `${response.status} ${response.statusText}`,
        requestId: typeof problem.requestId === 'string' ? problem.requestId : response.headers.get('x-request-id'),
        errors: Array.isArray(problem.errors) ? (problem.errors as { field: string; message: string }[]) : [],
      });
    }
    if (options.accept && options.accept !== 'application/json') return text as T;
    return (text ? JSON.parse(text) : null) as T;
  }

  list<T>(path: string, query: Query = {}): List<T> {
    const page = (cursor?: string) => this.request<{ data: T[]; nextCursor: string | null }>('GET', path, { query: { ...query, cursor } });
    return {
      page: () => page(),
      async *[Symbol.asyncIterator]() {
        let cursor: string | undefined;
        do {
          const result = await page(cursor);
          yield* result.data;
          cursor = result.nextCursor ?? undefined;
        } while (cursor);
      },
    };
  }

  me(): Promise<Me> {
    return this.request('GET', '/v1/me');
  }

  verify(body: { token: string; scope?: string; team?: string; resource?: string }): Promise<VerifyResult> {
    return this.request('POST', '/v1/verify', { body });
  }

  readonly org = {
    get: (): Promise<Org> => this.request('GET', '/v1/org'),
    update: (body: { name?: string; policy?: Partial<Policy> }): Promise<Org> => this.request('PATCH', '/v1/org', { body }),
    roles: (): Promise<{ data: Role[] }> => this.request('GET', '/v1/roles'),
    scopes: (): Promise<{ data: ScopeEntry[] }> => this.request('GET', '/v1/api-tokens/scopes'),
  };

  readonly apiTokens = {
    list: (query: { status?: string } = {}): List<Token> => this.list('/v1/api-tokens', query),
    get: (id: string): Promise<Token> => this.request('GET', `/v1/api-tokens/${enc(id)}`),
    create: (body: { name: string; scopes?: string[]; resources?: string[] } & ExpiryFields): Promise<MintedToken> => this.request('POST', '/v1/api-tokens', { body }),
    roll: (id: string, body: { gracePeriodSeconds?: number } = {}): Promise<MintedToken> => this.request('POST', `/v1/api-tokens/${enc(id)}/roll`, { body }),
    revoke: (id: string): Promise<Token> => this.request('DELETE', `/v1/api-tokens/${enc(id)}`),
    revokeAll: (): Promise<{ revoked: number }> => this.request('POST', '/v1/api-tokens/revoke-all', { body: {} }),
  };

  readonly tokens = {
    list: (query: { kind?: string; status?: string; owner?: string; team?: string } = {}): List<Token> => this.list('/v1/tokens', query),
    get: (id: string): Promise<Token> => this.request('GET', `/v1/tokens/${enc(id)}`),
    create: (body: { name: string; role?: string; scopes?: string[]; resources?: string[] } & ExpiryFields): Promise<MintedToken> => this.request('POST', '/v1/tokens', { body }),
    roll: (id: string, body: { gracePeriodSeconds?: number } = {}): Promise<MintedToken> => this.request('POST', `/v1/tokens/${enc(id)}/roll`, { body }),
    revoke: (id: string): Promise<Token> => this.request('DELETE', `/v1/tokens/${enc(id)}`),
    revokeAll: (body: { kind?: 'personal' | 'service' } = {}): Promise<{ revoked: number }> => this.request('POST', '/v1/tokens/revoke-all', { body }),
  };

  readonly serviceAccounts = {
    list: (): List<ServiceAccount> => this.list('/v1/service-accounts'),
    get: (id: string): Promise<ServiceAccount> => this.request('GET', `/v1/service-accounts/${enc(id)}`),
    create: (body: { name: string } & GrantFields): Promise<ServiceAccount> => this.request('POST', '/v1/service-accounts', { body }),
    update: (id: string, body: { name?: string; scopes?: string[]; resources?: string[] | null }): Promise<ServiceAccount> =>
      this.request('PATCH', `/v1/service-accounts/${enc(id)}`, { body }),
    delete: (id: string): Promise<{ deleted: boolean; revokedTokens: number }> => this.request('DELETE', `/v1/service-accounts/${enc(id)}`),
    tokens: {
      list: (id: string): List<Token> => this.list(`/v1/service-accounts/${enc(id)}/tokens`),
      create: (id: string, body: { name: string; scopes?: string[]; resources?: string[] } & ExpiryFields): Promise<MintedToken> =>
        this.request('POST', `/v1/service-accounts/${enc(id)}/tokens`, { body }),
      roll: (id: string, tokenId: string, body: { gracePeriodSeconds?: number } = {}): Promise<MintedToken> =>
        this.request('POST', `/v1/service-accounts/${enc(id)}/tokens/${enc(tokenId)}/roll`, { body }),
      revoke: (id: string, tokenId: string): Promise<Token> => this.request('DELETE', `/v1/service-accounts/${enc(id)}/tokens/${enc(tokenId)}`),
    },
  };

  readonly teams = {
    list: (): List<Team> => this.list('/v1/teams'),
    get: (id: string): Promise<Team> => this.request('GET', `/v1/teams/${enc(id)}`),
    create: (body: { name: string }): Promise<Team> => this.request('POST', '/v1/teams', { body }),
    rename: (id: string, body: { name: string }): Promise<Team> => this.request('PATCH', `/v1/teams/${enc(id)}`, { body }),
    delete: (id: string): Promise<{ deleted: boolean; revokedTokens: number; detachedTokens: number }> => this.request('DELETE', `/v1/teams/${enc(id)}`),
    members: {
      list: (id: string): List<TeamMember> => this.list(`/v1/teams/${enc(id)}/members`),
      add: (id: string, body: { userId: string } & GrantFields): Promise<TeamMember> => this.request('POST', `/v1/teams/${enc(id)}/members`, { body }),
      update: (id: string, userId: string, body: GrantFields): Promise<TeamMember> => this.request('PATCH', `/v1/teams/${enc(id)}/members/${enc(userId)}`, { body }),
      remove: (id: string, userId: string): Promise<{ removed: boolean }> => this.request('DELETE', `/v1/teams/${enc(id)}/members/${enc(userId)}`),
    },
    tokens: {
      list: (id: string): List<Token> => this.list(`/v1/teams/${enc(id)}/tokens`),
      create: (id: string, body: { name: string } & GrantFields & ExpiryFields): Promise<MintedToken> => this.request('POST', `/v1/teams/${enc(id)}/tokens`, { body }),
      attach: (id: string, tokenId: string, body: GrantFields): Promise<Token> => this.request('PUT', `/v1/teams/${enc(id)}/tokens/${enc(tokenId)}`, { body }),
      detach: (id: string, tokenId: string): Promise<Token> => this.request('DELETE', `/v1/teams/${enc(id)}/tokens/${enc(tokenId)}`),
    },
  };

  readonly members = {
    list: (): List<Member> => this.list('/v1/members'),
    get: (userId: string): Promise<Member> => this.request('GET', `/v1/members/${enc(userId)}`),
    add: (body: { email: string; role: string }): Promise<Invitation> => this.request('POST', '/v1/members', { body }),
    update: (userId: string, body: { role?: string; status?: 'active' | 'suspended' }): Promise<Member> => this.request('PATCH', `/v1/members/${enc(userId)}`, { body }),
    remove: (userId: string): Promise<{ removed: boolean; revokedTokens: number }> => this.request('DELETE', `/v1/members/${enc(userId)}`),
  };

  readonly audit = {
    list: (query: { action?: string; actor?: string; token?: string; target?: string; since?: string; until?: string; limit?: number } = {}): List<AuditEvent> =>
      this.list('/v1/audit-events', query),
  };
}

const enc = encodeURIComponent;

/**
 * Email + password → a personal token named `name`, for `latchkey login`: a
 * session is opened only to mint the token, then closed. (The session is not a
 * bearer credential, so this is the one call that does not go through Latchkey.)
 */
export async function mintWithPassword(baseUrl: string, input: { email: string; password: string; tokenName: string; userAgent?: string }): Promise<MintedToken> {
  const base = baseUrl.replace(/\/+$/, '');
  const userAgent = input.userAgent ?? 'latchkey-cli';
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
    let response: Response;
    try {
      response = await fetch(base + path, {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), accept: 'application/json', 'user-agent': userAgent, ...headers },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new LatchkeyError({ status: 0, code: 'unreachable', detail: `cannot reach ${base} (${cause?.code ?? (error as Error).message})` });
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      throw new LatchkeyError({
        status: response.status,
        code: typeof json.code === 'string' ? json.code : `http_${response.status}`,
        detail: typeof json.detail === 'string' ? json.detail : `${response.status} ${response.statusText}`,
        requestId: typeof json.requestId === 'string' ? json.requestId : null,
      });
    }
    return { json, response };
  };
  const session = await call('POST', '/v1/auth/login', { email: input.email, password: input.password });
  const cookie = (session.response.headers.getSetCookie?.() ?? [])
    .map((c) => c.split(';')[0]!)
    .find((c) => c.startsWith('latchkey_session='));
  if (!cookie) throw new LatchkeyError({ status: 0, code: 'no_session', detail: 'the server did not start a session' });
  const headers = { cookie, 'x-csrf-token': String(session.json.csrfToken) };
  try {
    // The name is unique per person among live tokens: a second machine of the same name gets "(2)".
    for (let n = 1; ; n++) {
      try {
        const minted = await call('POST', '/v1/api-tokens', { name: n === 1 ? input.tokenName : `${input.tokenName} (${n})` }, headers);
        return minted.json as unknown as MintedToken;
      } catch (error) {
        if (!(error instanceof LatchkeyError && error.code === 'name_taken' && n < 20)) throw error;
      }
    }
  } finally {
    await call('POST', '/v1/auth/logout', undefined, headers).catch(() => undefined);
  }
}
