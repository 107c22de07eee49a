/** Every error code a client can receive, with its HTTP status. See ../shared/API.md. */
export const ERROR_STATUS = {
  validation_failed: 400,
  invalid_json: 400,
  password_too_common: 400,
  reset_token_invalid: 400,
  verification_token_invalid: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  session_expired: 401,
  session_revoked: 401,
  token_expired: 401,
  token_invalid: 401,
  refresh_token_reused: 401,
  forbidden: 403,
  csrf_invalid: 403,
  email_not_verified: 403,
  not_found: 404,
  method_not_allowed: 405,
  account_exists: 409,
  last_admin: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_attempts: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/**
 * A failure the client is told about: services throw it with a stable `code`, and the exception
 * filter turns it into the JSON error shape of API.md with the status that code maps to.
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, such as Retry-After. */
    readonly headers: Record<string, string> = {},
    /** For validation_failed: one message per failing field. */
    readonly details?: string[],
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}
