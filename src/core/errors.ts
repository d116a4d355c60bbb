/**
 * Typed errors. Each carries a stable `code` and optional context; `src/server/errors.ts` maps
 * them to HTTP responses in one place. Never throw strings.
 */
export class TrainyardError extends Error {
  readonly code: string = 'internal';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * A file a user wrote (a rules file, a study file) that does not parse or validate, said as
 * `file:line:column: field: detail`; `line`/`column` from 1 where known.
 */
export class PositionedFileError extends TrainyardError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: number | null,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}${line !== null ? `:${line}${column !== null ? `:${column}` : ''}` : ''}: ${field ? `${field}: ` : ''}${detail}`);
  }
}

/** Input that does not satisfy its schema; `field` is a dotted path ("resources.gpus"). */
export class ValidationError extends TrainyardError {
  override readonly code: string = 'invalid_input';
  constructor(
    message: string,
    readonly field: string | null = null,
    options?: { cause?: unknown; code?: string },
  ) {
    super(field ? `${field}: ${message}` : message, options);
    if (options?.code) this.code = options.code;
  }
}

/** A body that is not JSON; the message carries the parser's ("Unexpected token } in JSON at position 12"). */
export class InvalidJsonError extends ValidationError {
  constructor(message: string) {
    super(`body is not valid JSON: ${message}`, null, { code: 'invalid_json' });
  }
}

export class NotFoundError extends TrainyardError {
  override readonly code = 'not_found';
  constructor(readonly what: string, readonly id: string | number) {
    super(`${what} ${id} not found`);
  }
}

/** The request is valid but the object is in a state that does not allow it. */
export class ConflictError extends TrainyardError {
  override readonly code = 'conflict';
}

export class UnauthorizedError extends TrainyardError {
  override readonly code = 'unauthorized';
}

export class ForbiddenError extends TrainyardError {
  override readonly code = 'forbidden';
}

/** A body over a size limit; the message names the limit and, where known, the size that came. */
export class PayloadTooLargeError extends TrainyardError {
  override readonly code = 'payload_too_large';
}

/** A body in a media type the route does not read (JSON sent as `text/plain`). */
export class UnsupportedMediaTypeError extends TrainyardError {
  override readonly code = 'unsupported_media_type';
  constructor(readonly contentType: string) {
    super(`body: expected JSON sent with content-type: application/json, got content-type: ${contentType}`);
  }
}

/**
 * A caller spent its request budget (docs/audit.md "Rate limits"): answered 429 with
 * `Retry-After: retryAfterSeconds`. Retrying after that many seconds succeeds.
 */
export class RateLimitedError extends TrainyardError {
  override readonly code = 'rate_limited';
  constructor(readonly budget: string, readonly max: number, readonly windowSeconds: number, readonly retryAfterSeconds: number) {
    super(`rate limited: over ${max} ${budget} requests per ${windowSeconds} s for this token; retry after ${retryAfterSeconds} s (Retry-After)`);
  }
}

/** Another server holds the data directory's lock. */
export class DataDirLockedError extends TrainyardError {
  override readonly code = 'data_dir_locked';
  constructor(readonly dataDir: string, readonly pid: number) {
    super(`data directory ${dataDir} is in use by another trainyard server (pid ${pid})`);
  }
}

/** Coerces anything thrown into an Error (graphile-worker's coerceError). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : JSON.stringify(thrown));
}
