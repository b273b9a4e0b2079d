// One error type for everything the SDK throws: the server's problem+json
// (status, stable code, request id, detail, field errors), or a failure to reach
// the server (status 0: `timeout`, `network_error`). It never carries the
// client's token or the request's headers, so logging it is safe.

export interface FieldError {
  field: string;
  message: string;
}

export interface LatchkeyErrorInit {
  status: number;
  code: string;
  detail: string;
  title?: string | undefined;
  type?: string | undefined;
  requestId?: string | null | undefined;
  errors?: FieldError[] | undefined;
  retryAfterSeconds?: number | null | undefined;
}

export class LatchkeyError extends Error {
  /** The HTTP status; 0 when no response arrived (timeout, network). */
  readonly status: number;
  /** The stable error code (`token_revoked`, `forbidden`, `timeout`, `network_error`, …). */
  readonly code: string;
  readonly detail: string;
  readonly title: string;
  readonly type: string;
  /** The server's request id (`X-Request-Id`), to quote in a support request; null without a response. */
  readonly requestId: string | null;
  /** Which input fields were wrong (400). */
  readonly errors: FieldError[];
  /** Seconds the server asked to wait (429/503). */
  readonly retryAfterSeconds: number | null;

  constructor(init: LatchkeyErrorInit) {
    super(`${init.detail} (${init.code}${init.status ? `, HTTP ${init.status}` : ''})`);
    this.name = 'LatchkeyError';
    this.status = init.status;
    this.code = init.code;
    this.detail = init.detail;
    this.title = init.title ?? init.detail;
    this.type = init.type ?? 'about:blank';
    this.requestId = init.requestId ?? null;
    this.errors = init.errors ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
  }
}

export function isLatchkeyError(value: unknown): value is LatchkeyError {
  return value instanceof LatchkeyError;
}

/** Turns a non-2xx response (its body already parsed, if JSON) into a LatchkeyError. */
export function errorFromResponse(response: Response, body: unknown): LatchkeyError {
  const problem = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const text = (key: string) => (typeof problem[key] === 'string' ? (problem[key] as string) : undefined);
  const errors = Array.isArray(problem.errors)
    ? problem.errors
        .filter((e): e is FieldError => typeof e === 'object' && e !== null && typeof e.field === 'string' && typeof e.message === 'string')
        .map((e) => ({ field: e.field, message: e.message }))
    : undefined;
  return new LatchkeyError({
    status: response.status,
    code: text('code') ?? `http_${response.status}`,
    detail: text('detail') ?? (response.statusText || `HTTP ${response.status}`),
    title: text('title'),
    type: text('type'),
    requestId: text('requestId') ?? response.headers.get('x-request-id'),
    errors,
    retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after')),
  });
}

/** `Retry-After` as seconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}
