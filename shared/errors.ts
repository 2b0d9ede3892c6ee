/**
 * Errors that carry their meaning to the client. Each maps to one HTTP status in one place
 * (functions/lib/http.ts); anything else is an internal fault and is never shown to the client.
 */
export abstract class MusterError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** Extra response headers, such as Retry-After. */
  readonly headers: Record<string, string> = {};

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends MusterError {
  readonly status = 400;
  readonly code = 'invalid_request';

  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export class UnauthorizedError extends MusterError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends MusterError {
  readonly status = 403;
  readonly code = 'forbidden';
}

/** A change made with a session cookie that lacks its session's CSRF token. */
export class CsrfError extends MusterError {
  readonly status = 403;
  readonly code = 'csrf';
}

export class NotFoundError extends MusterError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class PayloadTooLargeError extends MusterError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends MusterError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
}

/** An error that tells the client when to try again (Retry-After). */
abstract class RetryLaterError extends MusterError {
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.headers['retry-after'] = String(retryAfterSeconds);
  }
}

export class RateLimitedError extends RetryLaterError {
  readonly status = 429;
  readonly code = 'rate_limited';
}

/** Another change to the same thing is under way and did not finish in time: retry shortly. */
export class BusyError extends RetryLaterError {
  readonly status = 503;
  readonly code = 'busy';
}
