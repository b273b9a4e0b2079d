// The part of the Latchkey API client the MCP tools use, and an error shape for
// refused calls. Interim: a small fetch client over the HTTP API (SPEC §5) in the
// shape of @latchkey/sdk (SPEC §7.5), to be replaced by the SDK itself.
export type Json = Record<string, unknown>;
export interface Page<T = Json> {
  data: T[];
  nextCursor: string | null;
  [key: string]: unknown;
}
export type Query = Record<string, unknown>;

export interface LatchkeyClient {
  me(): Promise<Json>;
  verify(body: Json): Promise<Json>;
  apiTokens: {
    scopes(): Promise<Json>;
    list(query?: Query): Promise<Page>;
    create(body: Json): Promise<Json>;
    roll(id: string, body?: Json): Promise<Json>;
    revoke(id: string): Promise<Json>;
  };
  tokens: {
    list(query?: Query): Promise<Page>;
    roll(id: string, body?: Json): Promise<Json>;
    revoke(id: string): Promise<Json>;
  };
  serviceAccounts: {
    list(query?: Query): Promise<Page>;
    create(body: Json): Promise<Json>;
    delete(id: string): Promise<Json>;
    issueToken(id: string, body: Json): Promise<Json>;
  };
  teams: {
    list(query?: Query): Promise<Page>;
    create(body: Json): Promise<Json>;
    issueToken(id: string, body: Json): Promise<Json>;
  };
  members: { list(query?: Query): Promise<Page> };
  audit: { list(query?: Query): Promise<Page> };
}

/** A call the server refused: the problem+json it answered with. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string | null,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }
}

export interface ClientOptions {
  baseUrl: string;
  token: string;
  fetch?: typeof fetch;
  userAgent?: string;
}

export function createClient(options: ClientOptions): LatchkeyClient {
  const fetchImpl = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, '');

  async function call<T = Json>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    const url = new URL(base + path);
    for (const [key, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'application/json' };
    if (options.userAgent) headers['user-agent'] = options.userAgent;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetchImpl(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as Json) : {};
    if (!res.ok) {
      throw new ApiProblem(
        res.status,
        typeof parsed.code === 'string' ? parsed.code : 'http_error',
        typeof parsed.detail === 'string' ? parsed.detail : `HTTP ${res.status}`,
        typeof parsed.requestId === 'string' ? parsed.requestId : res.headers.get('x-request-id'),
        Array.isArray(parsed.errors) ? (parsed.errors as { field: string; message: string }[]) : [],
      );
    }
    return parsed as T;
  }
  const at = (id: string) => encodeURIComponent(id);

  return {
    me: () => call('GET', '/v1/me'),
    verify: (body) => call('POST', '/v1/verify', body),
    apiTokens: {
      scopes: () => call('GET', '/v1/api-tokens/scopes'),
      list: (query) => call<Page>('GET', '/v1/api-tokens', undefined, query),
      create: (body) => call('POST', '/v1/api-tokens', body),
      roll: (id, body = {}) => call('POST', `/v1/api-tokens/${at(id)}/roll`, body),
      revoke: (id) => call('DELETE', `/v1/api-tokens/${at(id)}`),
    },
    tokens: {
      list: (query) => call<Page>('GET', '/v1/tokens', undefined, query),
      roll: (id, body = {}) => call('POST', `/v1/tokens/${at(id)}/roll`, body),
      revoke: (id) => call('DELETE', `/v1/tokens/${at(id)}`),
    },
    serviceAccounts: {
      list: (query) => call<Page>('GET', '/v1/service-accounts', undefined, query),
      create: (body) => call('POST', '/v1/service-accounts', body),
      delete: (id) => call('DELETE', `/v1/service-accounts/${at(id)}`),
      issueToken: (id, body) => call('POST', `/v1/service-accounts/${at(id)}/tokens`, body),
    },
    teams: {
      list: (query) => call<Page>('GET', '/v1/teams', undefined, query),
      create: (body) => call('POST', '/v1/teams', body),
      issueToken: (id, body) => call('POST', `/v1/teams/${at(id)}/tokens`, body),
    },
    members: { list: (query) => call<Page>('GET', '/v1/members', undefined, query) },
    audit: { list: (query) => call<Page>('GET', '/v1/audit-events', undefined, query) },
  };
}
