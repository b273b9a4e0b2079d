// The client: `new Latchkey({ baseUrl, token })`, one resource object per noun
// of the HTTP API (SPEC §5), each method one route. Requests are typed by the
// generated OpenAPI types and sent with openapi-fetch through the Transport.
import createClient, { type Client } from 'openapi-fetch';
import { errorFromResponse } from './errors.js';
import type { paths } from './generated/openapi.js';
import { List, type Page } from './pagination.js';
import { Transport, type FetchLike } from './transport.js';
import type * as T from './types.js';
import { Verifier, type VerifierOptions } from './verifier.js';

export interface LatchkeyOptions {
  /** Where Latchkey serves its API, e.g. `https://latchkey.internal:8080`. */
  baseUrl: string;
  /** A Latchkey token (sent as `Authorization: Bearer`). Without one, sign in with `lk.auth.login`. */
  token?: string;
  /** Per attempt, in milliseconds (default 10 000). */
  timeoutMs?: number;
  /** A `fetch` to use instead of the global one. */
  fetch?: FetchLike;
  /** How many times a 429 or 503 is retried after its Retry-After (default 2). */
  maxRetries?: number;
  /** A longer Retry-After than this is not waited for: the error is thrown (default 30 000). */
  maxRetryDelayMs?: number;
  /** With a session in several orgs, which one to act in (`Latchkey-Org`). */
  orgId?: string;
}

type Api = Client<paths>;
type Result<D> = { data?: D; error?: unknown; response: Response };

/** The data of a successful response, or the problem as a LatchkeyError. */
async function unwrap<D>(pending: Promise<Result<D>>): Promise<NonNullable<D>> {
  const { data, error, response } = await pending;
  if (!response.ok) throw errorFromResponse(response, error);
  return data as NonNullable<D>;
}

async function done(pending: Promise<Result<unknown>>): Promise<void> {
  const { error, response } = await pending;
  if (!response.ok) throw errorFromResponse(response, error);
}

function list<I>(query: { cursor?: string | undefined } | undefined, fetchPage: (cursor: string | undefined) => Promise<Page<I>>): List<I> {
  return new List(fetchPage, query?.cursor);
}

export class Latchkey {
  readonly baseUrl: string;
  readonly apiTokens: ApiTokens;
  readonly tokens: OrgTokens;
  readonly serviceAccounts: ServiceAccounts;
  readonly teams: Teams;
  readonly members: Members;
  readonly audit: Audit;
  readonly org: OrgResource;
  readonly auth: Auth;
  /** @internal */
  readonly transport: Transport;
  private readonly api: Api;

  constructor(options: LatchkeyOptions) {
    if (typeof options?.baseUrl !== 'string' || !/^https?:\/\//.test(options.baseUrl)) {
      throw new TypeError('Latchkey: baseUrl must be an http(s) URL');
    }
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.transport = new Transport({
      token: options.token,
      orgId: options.orgId,
      timeoutMs: options.timeoutMs ?? 10_000,
      maxRetries: options.maxRetries ?? 2,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 30_000,
      fetch: options.fetch,
    });
    this.api = createClient<paths>({ baseUrl: this.baseUrl, fetch: this.transport.send });
    this.apiTokens = new ApiTokens(this.api);
    this.tokens = new OrgTokens(this.api);
    this.serviceAccounts = new ServiceAccounts(this.api);
    this.teams = new Teams(this.api);
    this.members = new Members(this.api);
    this.audit = new Audit(this.api);
    this.org = new OrgResource(this.api);
    this.auth = new Auth(this.api, this.transport);
  }

  /** The caller: principal, org, credential and effective scopes (`GET /v1/me`). */
  me(): Promise<T.Me> {
    return unwrap(this.api.GET('/v1/me'));
  }

  /**
   * Asks Latchkey whether a token is valid and may do something (`POST /v1/verify`);
   * needs `tokens:verify`. `lk.verify(token, { scope })` or `lk.verify({ token, scope })`.
   */
  verify(token: string, options?: T.VerifyOptions): Promise<T.VerifyResult>;
  verify(request: T.VerifyRequest): Promise<T.VerifyResult>;
  verify(tokenOrRequest: string | T.VerifyRequest, options: T.VerifyOptions = {}): Promise<T.VerifyResult> {
    const body = typeof tokenOrRequest === 'string' ? { ...options, token: tokenOrRequest } : tokenOrRequest;
    return unwrap(this.api.POST('/v1/verify', { body }));
  }

  /**
   * An in-process verifier: answers cached by a hash of the token and dropped the
   * moment the server says they may have changed (GET /v1/verify/events).
   */
  verifier(options: VerifierOptions = {}): Verifier {
    return new Verifier(this, options);
  }

  /** Liveness and readiness (`/healthz`, `/readyz`). */
  async health(): Promise<{ live: boolean; ready: boolean }> {
    const probe = async (path: string) => {
      try {
        const response = await this.transport.send(new Request(this.baseUrl + path));
        await response.body?.cancel();
        return response.ok;
      } catch {
        return false;
      }
    };
    const [live, ready] = await Promise.all([probe('/healthz'), probe('/readyz')]);
    return { live, ready };
  }

  /** The server's Prometheus metrics, as text (`/metrics`). */
  async metrics(): Promise<string> {
    const response = await this.transport.send(new Request(this.baseUrl + '/metrics'));
    const text = await response.text();
    if (!response.ok) throw errorFromResponse(response, safeJson(text));
    return text;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The caller's own personal tokens (`/v1/api-tokens`). */
class ApiTokens {
  constructor(private readonly api: Api) {}

  list(query: T.PersonalTokenListQuery = {}): List<T.Token> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/api-tokens', { params: { query: { ...query, cursor } } })));
  }

  create(input: T.PersonalTokenCreate): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/api-tokens', { body: input }));
  }

  get(id: string): Promise<T.Token> {
    return unwrap(this.api.GET('/v1/api-tokens/{id}', { params: { path: { id } } }));
  }

  roll(id: string, options: T.RollOptions = {}): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/api-tokens/{id}/roll', { params: { path: { id } }, body: options }));
  }

  revoke(id: string): Promise<T.Token> {
    return unwrap(this.api.DELETE('/v1/api-tokens/{id}', { params: { path: { id } } }));
  }

  revokeAll(): Promise<T.RevokedCount> {
    return unwrap(this.api.POST('/v1/api-tokens/revoke-all', { body: {} }));
  }

  /** The scope catalogue, by category. */
  scopes(): Promise<T.ScopeCatalogue> {
    return unwrap(this.api.GET('/v1/api-tokens/scopes'));
  }
}

/** Every token in the org and org API keys (`/v1/tokens`, `tokens:admin`). */
class OrgTokens {
  constructor(private readonly api: Api) {}

  list(query: T.OrgTokenListQuery = {}): List<T.Token> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/tokens', { params: { query: { ...query, cursor } } })));
  }

  /** An org API key: a service token owned by the org, with a role or scopes. */
  create(input: T.OrgTokenCreate): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/tokens', { body: input }));
  }

  get(id: string): Promise<T.Token> {
    return unwrap(this.api.GET('/v1/tokens/{id}', { params: { path: { id } } }));
  }

  roll(id: string, options: T.RollOptions = {}): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/tokens/{id}/roll', { params: { path: { id } }, body: options }));
  }

  revoke(id: string): Promise<T.Token> {
    return unwrap(this.api.DELETE('/v1/tokens/{id}', { params: { path: { id } } }));
  }

  /** Mass revocation: every token in the org (or every one of a kind). */
  revokeAll(options: T.BodyOf<'/v1/tokens/revoke-all', 'post'> = {}): Promise<T.RevokedCount> {
    return unwrap(this.api.POST('/v1/tokens/revoke-all', { body: options }));
  }
}

class ServiceAccounts {
  constructor(private readonly api: Api) {}

  list(query: T.PageQueryOf<'/v1/service-accounts'> = {}): List<T.ServiceAccount> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/service-accounts', { params: { query: { ...query, cursor } } })));
  }

  create(input: T.ServiceAccountCreate): Promise<T.ServiceAccount> {
    return unwrap(this.api.POST('/v1/service-accounts', { body: input }));
  }

  get(id: string): Promise<T.ServiceAccount> {
    return unwrap(this.api.GET('/v1/service-accounts/{id}', { params: { path: { id } } }));
  }

  update(id: string, input: T.ServiceAccountUpdate): Promise<T.ServiceAccount> {
    return unwrap(this.api.PATCH('/v1/service-accounts/{id}', { params: { path: { id } }, body: input }));
  }

  /** Deletes the account and revokes its tokens. */
  delete(id: string): Promise<T.ResponseOf<'/v1/service-accounts/{id}', 'delete'>> {
    return unwrap(this.api.DELETE('/v1/service-accounts/{id}', { params: { path: { id } } }));
  }

  listTokens(id: string, query: T.PageQueryOf<'/v1/service-accounts/{id}/tokens'> = {}): List<T.Token> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/service-accounts/{id}/tokens', { params: { path: { id }, query: { ...query, cursor } } })));
  }

  issueToken(id: string, input: T.ServiceAccountTokenCreate): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/service-accounts/{id}/tokens', { params: { path: { id } }, body: input }));
  }

  rollToken(id: string, tokenId: string, options: T.RollOptions = {}): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/service-accounts/{id}/tokens/{tokenId}/roll', { params: { path: { id, tokenId } }, body: options }));
  }

  revokeToken(id: string, tokenId: string): Promise<T.Token> {
    return unwrap(this.api.DELETE('/v1/service-accounts/{id}/tokens/{tokenId}', { params: { path: { id, tokenId } } }));
  }
}

class Teams {
  constructor(private readonly api: Api) {}

  list(query: T.PageQueryOf<'/v1/teams'> = {}): List<T.Team> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/teams', { params: { query: { ...query, cursor } } })));
  }

  create(input: T.TeamCreate): Promise<T.Team> {
    return unwrap(this.api.POST('/v1/teams', { body: input }));
  }

  get(id: string): Promise<T.Team> {
    return unwrap(this.api.GET('/v1/teams/{id}', { params: { path: { id } } }));
  }

  update(id: string, input: T.TeamUpdate): Promise<T.Team> {
    return unwrap(this.api.PATCH('/v1/teams/{id}', { params: { path: { id } }, body: input }));
  }

  delete(id: string): Promise<T.ResponseOf<'/v1/teams/{id}', 'delete'>> {
    return unwrap(this.api.DELETE('/v1/teams/{id}', { params: { path: { id } } }));
  }

  listMembers(id: string, query: T.PageQueryOf<'/v1/teams/{id}/members'> = {}): List<T.TeamMember> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/teams/{id}/members', { params: { path: { id }, query: { ...query, cursor } } })));
  }

  addMember(id: string, input: T.TeamMemberAdd): Promise<T.ResponseOf<'/v1/teams/{id}/members', 'post'>> {
    return unwrap(this.api.POST('/v1/teams/{id}/members', { params: { path: { id } }, body: input }));
  }

  updateMember(id: string, userId: string, input: T.TeamMemberUpdate): Promise<T.ResponseOf<'/v1/teams/{id}/members/{userId}', 'patch'>> {
    return unwrap(this.api.PATCH('/v1/teams/{id}/members/{userId}', { params: { path: { id, userId } }, body: input }));
  }

  removeMember(id: string, userId: string): Promise<T.ResponseOf<'/v1/teams/{id}/members/{userId}', 'delete'>> {
    return unwrap(this.api.DELETE('/v1/teams/{id}/members/{userId}', { params: { path: { id, userId } } }));
  }

  listTokens(id: string, query: T.PageQueryOf<'/v1/teams/{id}/tokens'> = {}): List<T.Token> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/teams/{id}/tokens', { params: { path: { id }, query: { ...query, cursor } } })));
  }

  /** A new team token (takes a seat). */
  issueToken(id: string, input: T.TeamTokenCreate): Promise<T.MintedToken> {
    return unwrap(this.api.POST('/v1/teams/{id}/tokens', { params: { path: { id } }, body: input }));
  }

  /** Attaches an existing service token with a grant (takes a seat). */
  attachToken(id: string, tokenId: string, input: T.TeamTokenAttach): Promise<T.ResponseOf<'/v1/teams/{id}/tokens/{tokenId}', 'put'>> {
    return unwrap(this.api.PUT('/v1/teams/{id}/tokens/{tokenId}', { params: { path: { id, tokenId } }, body: input }));
  }

  /** Detaches a service token (frees its seat). */
  detachToken(id: string, tokenId: string): Promise<T.ResponseOf<'/v1/teams/{id}/tokens/{tokenId}', 'delete'>> {
    return unwrap(this.api.DELETE('/v1/teams/{id}/tokens/{tokenId}', { params: { path: { id, tokenId } } }));
  }
}

class Members {
  constructor(private readonly api: Api) {}

  list(query: T.PageQueryOf<'/v1/members'> = {}): List<T.Member> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/members', { params: { query: { ...query, cursor } } })));
  }

  /** Adds a user by email with a role; someone new gets an invitation (its `inviteToken` shown once). */
  add(input: T.MemberAdd): Promise<T.MemberAdded> {
    return unwrap(this.api.POST('/v1/members', { body: input }));
  }

  get(userId: string): Promise<T.ResponseOf<'/v1/members/{userId}', 'get'>> {
    return unwrap(this.api.GET('/v1/members/{userId}', { params: { path: { userId } } }));
  }

  /** Changes the role or the status (`suspended`, `active`). */
  update(userId: string, input: T.MemberUpdate): Promise<T.ResponseOf<'/v1/members/{userId}', 'patch'>> {
    return unwrap(this.api.PATCH('/v1/members/{userId}', { params: { path: { userId } }, body: input }));
  }

  remove(userId: string): Promise<T.ResponseOf<'/v1/members/{userId}', 'delete'>> {
    return unwrap(this.api.DELETE('/v1/members/{userId}', { params: { path: { userId } } }));
  }
}

class Audit {
  constructor(private readonly api: Api) {}

  list(query: T.AuditQuery = {}): List<T.AuditEvent> {
    return list(query, (cursor) => unwrap(this.api.GET('/v1/audit-events', { params: { query: { ...query, cursor } } })));
  }

  /** Every matching event as JSON lines (one event per line), as the server exports them. */
  async export(query: Omit<T.AuditQuery, 'cursor' | 'limit'> = {}): Promise<string> {
    const { data, error, response } = await this.api.GET('/v1/audit-events', { params: { query: { ...query, format: 'jsonl' } }, parseAs: 'text' });
    if (!response.ok) throw errorFromResponse(response, error);
    return data ?? '';
  }
}

class OrgResource {
  constructor(private readonly api: Api) {}

  /** The current org: plan, seats, policy. */
  get(): Promise<T.Org> {
    return unwrap(this.api.GET('/v1/org'));
  }

  /** Name and policy (a plan change needs a session). */
  update(input: T.OrgUpdate): Promise<T.Org> {
    return unwrap(this.api.PATCH('/v1/org', { body: input }));
  }

  /** A new org owned by the signed-in person (session only). */
  create(input: T.OrgCreate): Promise<T.CreatedOrg> {
    return unwrap(this.api.POST('/v1/orgs', { body: input }));
  }

  seats(): Promise<T.Seats> {
    return unwrap(this.api.GET('/v1/seats'));
  }

  roles(): Promise<T.Roles> {
    return unwrap(this.api.GET('/v1/roles'));
  }
}

/**
 * Sessions, for a client made without a token: a person signs in with email and
 * password (the CLI's `latchkey login` does, then mints itself a token).
 */
class Auth {
  constructor(
    private readonly api: Api,
    private readonly transport: Transport,
  ) {}

  async login(input: T.LoginInput): Promise<T.SessionStart> {
    const { data, error, response } = await this.api.POST('/v1/auth/login', { body: input });
    if (!response.ok) throw errorFromResponse(response, error);
    return this.started(response, data as T.SessionStart);
  }

  async acceptInvite(input: T.AcceptInviteInput): Promise<T.SessionStart> {
    const { data, error, response } = await this.api.POST('/v1/auth/accept-invite', { body: input });
    if (!response.ok) throw errorFromResponse(response, error);
    return this.started(response, data as T.SessionStart);
  }

  async logout(): Promise<void> {
    await done(this.api.POST('/v1/auth/logout'));
    this.transport.endSession();
  }

  private started(response: Response, session: T.SessionStart): T.SessionStart {
    const cookie = response.headers
      .getSetCookie()
      .map((line) => line.split(';', 1)[0] ?? '')
      .find((pair) => pair.startsWith('latchkey_session='));
    if (cookie) this.transport.startSession(cookie, session.csrfToken);
    return session;
  }
}
