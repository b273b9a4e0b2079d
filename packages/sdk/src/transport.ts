// How every request leaves the SDK: credentials attached here (never stored
// where an error or a log could reach them), a timeout per attempt, and 429/503
// retried after the server's Retry-After, a bounded number of times.
import { LatchkeyError, retryAfterSeconds } from './errors.js';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface TransportOptions {
  token?: string | undefined;
  orgId?: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  maxRetryDelayMs: number;
  fetch?: FetchLike | undefined;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const RETRYABLE = new Set([429, 503]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class Transport {
  readonly #token: string | undefined;
  #session: { cookie: string; csrfToken: string } | null = null;
  readonly #fetch: FetchLike;
  readonly #options: TransportOptions;

  constructor(options: TransportOptions) {
    this.#token = options.token;
    this.#options = options;
    // Looked up per call, so a test or polyfill that replaces globalThis.fetch later is honoured.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  get hasToken(): boolean {
    return this.#token !== undefined;
  }

  /** Use a session (cookie + CSRF token) from now on, for a client made without a token. */
  startSession(cookie: string, csrfToken: string): void {
    this.#session = { cookie, csrfToken };
  }

  endSession(): void {
    this.#session = null;
  }

  get hasSession(): boolean {
    return this.#session !== null;
  }

  /** The request headers that carry the credential (for the SDK's own streams). */
  credentialHeaders(method = 'GET'): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    else if (this.#session) {
      headers.cookie = this.#session.cookie;
      if (UNSAFE.has(method)) headers['x-csrf-token'] = this.#session.csrfToken;
    }
    if (this.#options.orgId !== undefined) headers['latchkey-org'] = this.#options.orgId;
    return headers;
  }

  /** Plain fetch with the credential added; used by the event stream, which manages its own lifetime. */
  fetchRaw(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    for (const [name, value] of Object.entries(this.credentialHeaders(init.method ?? 'GET'))) headers.set(name, value);
    return this.#fetch(url, { ...init, headers });
  }

  /** The `fetch` openapi-fetch calls: credentials, timeout, retries. */
  readonly send = async (request: Request): Promise<Response> => {
    const method = request.method;
    const headers = new Headers(request.headers);
    for (const [name, value] of Object.entries(this.credentialHeaders(method))) headers.set(name, value);
    // Read once so every attempt can send it again.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    for (let attempt = 0; ; attempt++) {
      const response = await this.attempt(request.url, { method, headers, body, redirect: request.redirect });
      if (!RETRYABLE.has(response.status) || attempt >= this.#options.maxRetries) return response;
      const waitSeconds = retryAfterSeconds(response.headers.get('retry-after'));
      const waitMs = waitSeconds !== null ? waitSeconds * 1000 : 250 * 2 ** attempt;
      if (waitMs > this.#options.maxRetryDelayMs) return response;
      await response.body?.cancel().catch(() => undefined);
      await sleep(waitMs);
    }
  };

  private async attempt(url: string, init: RequestInit): Promise<Response> {
    const signal = AbortSignal.timeout(this.#options.timeoutMs);
    try {
      return await this.#fetch(url, { ...init, signal });
    } catch (error) {
      // Only the error's kind crosses over: the cause may hold the request (and its headers).
      if (signal.aborted) {
        throw new LatchkeyError({ status: 0, code: 'timeout', detail: `No response from Latchkey within ${this.#options.timeoutMs} ms` });
      }
      const reason = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : 'unknown error';
      throw new LatchkeyError({ status: 0, code: 'network_error', detail: `Could not reach Latchkey: ${redact(reason, this.#token)}` });
    }
  }
}

/** A message from below the SDK could in theory echo the token; it never leaves with it. */
function redact(message: string, token: string | undefined): string {
  return token ? message.split(token).join('[redacted]') : message;
}
