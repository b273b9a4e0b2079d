// The catalogue of stable error codes. Services throw AppError with one of these
// codes; the HTTP layer turns it into RFC 9457 problem+json, the CLI into a message.

export const errorCatalogue = {
  validation_failed: { status: 400, title: 'Invalid input' },
  invalid_json: { status: 400, title: 'Malformed JSON body' },
  bad_request: { status: 400, title: 'Bad request' },
  unknown_scope: { status: 400, title: 'Unknown scope' },
  invalid_expiry: { status: 400, title: 'Invalid expiry' },
  expiry_required: { status: 400, title: 'Expiry required by policy' },
  lifetime_exceeded: { status: 400, title: 'Lifetime exceeds policy' },
  expiry_exceeds_parent: { status: 400, title: 'Expiry exceeds the minting credential' },
  invalid_cursor: { status: 400, title: 'Invalid cursor' },
  invalid_invite: { status: 400, title: 'Invalid or expired invitation' },
  destination_not_allowed: { status: 400, title: 'Webhook destination not allowed' },
  unauthorized: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'Invalid token' },
  token_expired: { status: 401, title: 'Token expired' },
  token_revoked: { status: 401, title: 'Token revoked' },
  account_suspended: { status: 401, title: 'Account suspended' },
  invalid_credentials: { status: 401, title: 'Invalid email or password' },
  session_expired: { status: 401, title: 'Session expired' },
  invalid_signature: { status: 401, title: 'Missing or invalid signature' },
  forbidden: { status: 403, title: 'Forbidden' },
  csrf_failed: { status: 403, title: 'CSRF token missing or invalid' },
  session_required: { status: 403, title: 'Session required' },
  rotation_disabled: { status: 403, title: 'Rotation is turned off for these tokens' },
  plan_feature_unavailable: { status: 403, title: 'Not available on this plan' },
  ip_not_allowed: { status: 403, title: 'Not allowed from this IP address' },
  approval_pending: { status: 403, title: 'Token awaiting approval' },
  not_found: { status: 404, title: 'Not found' },
  route_not_found: { status: 404, title: 'Route not found' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  name_taken: { status: 409, title: 'Name already in use' },
  token_limit_reached: { status: 409, title: 'Token limit reached' },
  seat_limit_reached: { status: 409, title: 'Seat limit reached' },
  last_owner: { status: 409, title: 'An organization needs an owner' },
  already_member: { status: 409, title: 'Already a member' },
  email_taken: { status: 409, title: 'Email already registered' },
  token_inactive: { status: 409, title: 'Token is not active' },
  already_initialized: { status: 409, title: 'Already initialized' },
  webhook_limit_reached: { status: 409, title: 'Webhook limit reached' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  uri_too_long: { status: 414, title: 'URI too long' },
  headers_too_large: { status: 431, title: 'Request header fields too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  rate_limited: { status: 429, title: 'Too many requests' },
  internal_error: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof errorCatalogue;

export interface FieldError {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    detail?: string,
    options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    const entry = errorCatalogue[code];
    super(detail ?? entry.title);
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.title = entry.title;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
