// The one way the dashboard talks to the API: same-origin fetch with the session
// cookie, X-CSRF-Token on unsafe methods, Latchkey-Org for the chosen org, and
// problem+json turned into ApiError. Nothing here is persisted except the chosen
// org id (not a secret); the CSRF token lives in memory only.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly requestId: string | null,
    readonly errors: { field: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

const ORG_KEY = 'latchkey.org';
let csrfToken: string | null = null;
let orgId: string | null = readStoredOrg();

function readStoredOrg(): string | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage.getItem(ORG_KEY);
  } catch {
    return null;
  }
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function currentOrgId(): string | null {
  return orgId;
}

export function setOrgId(id: string | null): void {
  orgId = id;
  try {
    if (id) localStorage.setItem(ORG_KEY, id);
    else localStorage.removeItem(ORG_KEY);
  } catch {
    // Private mode: the choice lasts until reload.
  }
}

const SAFE = new Set(['GET', 'HEAD']);

export async function request<T>(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<T> {
  const headers: Record<string, string> = { Accept: accept };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (orgId && !path.startsWith('/v1/auth/') && path !== '/v1/orgs') headers['Latchkey-Org'] = orgId;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? null : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok) {
    if (type.includes('json')) {
      const problem = (await res.json()) as { code?: string; detail?: string; requestId?: string; errors?: { field: string; message: string }[] };
      throw new ApiError(res.status, problem.code ?? 'error', problem.detail ?? res.statusText, problem.requestId ?? null, problem.errors ?? []);
    }
    throw new ApiError(res.status, 'error', res.statusText || 'The server did not answer as expected', null);
  }
  if (type.includes('application/json')) return (await res.json()) as T;
  return (await res.text()) as T;
}

export const api = {
  get: <T>(path: string) => request<T>('GET', path),
  post: <T>(path: string, body: unknown = {}) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
};

/** A query string from the defined values only. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** What to show a person for a failed call: the API's own sentence, plus the forbidden case in plain words. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 403 && error.code === 'forbidden') return `You do not have permission to do this. ${error.detail}`;
    return error.detail;
  }
  return 'Something went wrong talking to the server. Check your connection and try again.';
}
