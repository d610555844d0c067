/**
 * The one error hierarchy. Every error meant for a caller extends AppError and carries its HTTP
 * status and a problem type; anything else is an internal failure whose message never leaves the
 * process (see `toProblem`).
 */
export abstract class AppError extends Error {
  abstract readonly status: number;
  /** Short, stable slug used in the problem `type` URI. */
  abstract readonly type: string;
  readonly details?: Record<string, unknown>;

  constructor(message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.details) this.details = options.details;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly type = 'validation';
  constructor(
    message: string,
    readonly issues: FieldIssue[] = [],
  ) {
    super(message, { details: { issues } });
  }
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly type = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly type = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly type = 'not-found';
}

/** A method the path does not answer; the response's `Allow` header names the ones it does. */
export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly type = 'method-not-allowed';
  constructor(
    message: string,
    readonly allow: readonly string[],
  ) {
    super(message, { details: { allow } });
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly type = 'conflict';
}

export class PreconditionFailedError extends AppError {
  readonly status = 412;
  readonly type = 'precondition-failed';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly type = 'payload-too-large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly type = 'unsupported-media-type';
}

/**
 * A request the schema allows that a rule of the moment refuses (an expiry already past): it would
 * be refused the same way however it were written, unlike a 400, and it conflicts with no resource.
 */
export class UnprocessableContentError extends AppError {
  readonly status = 422;
  readonly type = 'unprocessable-content';
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly type = 'rate-limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message, { details: { retryAfterSeconds } });
  }
}

/** A dependency (database, search, queue) failed or is unreachable. Its message stays internal. */
export class DependencyError extends AppError {
  readonly status = 503;
  readonly type = 'dependency-unavailable';
}

/** A SQL statement was rejected by the database (syntax, constraint, type). */
export class DatabaseError extends AppError {
  readonly status = 500;
  readonly type = 'database';
  constructor(
    message: string,
    readonly sqlState?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Configuration is missing or invalid: raised at cold start, never per request. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const PROBLEM_BASE = 'https://karaoke-suite.dev/problems/';

/**
 * Maps any thrown value to a problem body. Client errors (4xx AppErrors) keep their message and
 * details; server-side errors get a generic detail so no SQL, stack or host name reaches a caller.
 */
export function toProblem(error: unknown, instance?: string): Problem {
  if (error instanceof AppError && error.status < 500) {
    return {
      type: PROBLEM_BASE + error.type,
      title: titleFor(error.status),
      status: error.status,
      detail: error.message,
      ...(instance ? { instance } : {}),
      ...(error.details ?? {}),
    };
  }
  const status = error instanceof AppError ? error.status : 500;
  return {
    type: PROBLEM_BASE + (error instanceof AppError ? error.type : 'internal'),
    title: titleFor(status),
    status,
    detail:
      status === 503
        ? 'A service this request depends on is unavailable. Try again shortly.'
        : 'Something went wrong on our side. Try again; if it keeps failing, quote the request id.',
    ...(instance ? { instance } : {}),
  };
}

function titleFor(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    409: 'Conflict',
    412: 'Precondition Failed',
    413: 'Payload Too Large',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    503: 'Service Unavailable',
  };
  return titles[status] ?? 'Error';
}
