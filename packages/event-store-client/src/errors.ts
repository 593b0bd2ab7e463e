/**
 * Errors of the client: every answer of the API that is not a success becomes one of these, from its status and its
 * `{ error, message, details? }` body. `code` is the API's `error` (e.g. `WrongExpectedVersion`,
 * `CONSUMER_GROUP.NOT_FOUND`), `status` the HTTP status (null when no answer came back).
 */
export class EventStoreClientError extends Error {
  override readonly name: string = 'EventStoreClientError';
  /** Whether the same request may succeed later (the store or the network was unavailable, or a limit applied). */
  readonly retryable: boolean = false;

  constructor(
    message: string,
    readonly code: string,
    readonly status: number | null,
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** 400: the request was refused as malformed (`details` names the fields). */
export class ValidationError extends EventStoreClientError {
  override readonly name = 'ValidationError';
}

/** 401: no token, or a token the service does not accept. */
export class UnauthorizedError extends EventStoreClientError {
  override readonly name = 'UnauthorizedError';
}

/** 403: the token's roles do not allow this. */
export class ForbiddenError extends EventStoreClientError {
  override readonly name = 'ForbiddenError';
}

/** 404: unknown (or another organization's) stream, event, group or parked event. */
export class NotFoundError extends EventStoreClientError {
  override readonly name = 'NotFoundError';
}

/** 409: the request conflicts with the stream's state (`DuplicateEvent`, `AggregateTypeMismatch`, `StreamProtected`…). */
export class ConflictError extends EventStoreClientError {
  override readonly name: string = 'ConflictError';
}

/** 409 `WrongExpectedVersion`: the stream is not at the version the append expected. Nothing was recorded. */
export class WrongExpectedVersionError extends ConflictError {
  override readonly name = 'WrongExpectedVersionError';

  constructor(
    message: string,
    readonly expectedVersion: unknown,
    readonly actualVersion: number | null,
    details?: unknown,
  ) {
    super(message, 'WrongExpectedVersion', 409, details);
  }
}

/** 410 `StreamDeleted`: the stream was hard-deleted; its id can never be written again. */
export class StreamDeletedError extends EventStoreClientError {
  override readonly name = 'StreamDeletedError';
}

/** 429: a rate limit applied; `retryAfterMs` from the `Retry-After` header. */
export class RateLimitedError extends EventStoreClientError {
  override readonly name = 'RateLimitedError';
  override readonly retryable = true;

  constructor(
    message: string,
    code: string,
    readonly retryAfterMs: number | null,
    details?: unknown,
  ) {
    super(message, code, 429, details);
  }
}

/**
 * 503 `EventStoreUnavailable` (and 502, 504): the store could not serve the request. For an append, nothing was
 * recorded. Retry later (`retryAfterMs` from `Retry-After`).
 */
export class UnavailableError extends EventStoreClientError {
  override readonly name = 'UnavailableError';
  override readonly retryable = true;

  constructor(
    message: string,
    code: string,
    status: number | null,
    readonly retryAfterMs: number | null,
    details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, code, status, details, options);
  }
}

/**
 * The outcome of a write is unknown: the service answered 503 `AppendOutcomeUnknown`, or no answer came back (the
 * connection failed, the request timed out) after the request was sent. The events may have been recorded. Retrying
 * with the same event ids records them at most once (the client does so itself, within its retry budget).
 */
export class OutcomeUnknownError extends EventStoreClientError {
  override readonly name = 'OutcomeUnknownError';
  override readonly retryable = true;
}

/** No answer came back for a read (connection refused or reset, timeout): nothing changed on the server. */
export class NetworkError extends EventStoreClientError {
  override readonly name = 'NetworkError';
  override readonly retryable = true;
}

/** Any other answer (500, unexpected statuses). */
export class ServerError extends EventStoreClientError {
  override readonly name = 'ServerError';
}

interface ErrorBody {
  error?: unknown;
  message?: unknown;
  details?: unknown;
  expectedVersion?: unknown;
  actualVersion?: unknown;
}

function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

/** The typed error of an answer that is not a success; `text` is its body (JSON `{ error, message, details? }`). */
export function errorFromResponse(status: number, text: string, headers: { get(name: string): string | null }): EventStoreClientError {
  let body: ErrorBody = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === 'object') body = parsed as ErrorBody;
  } catch {
    // Not JSON (a proxy's page): the status alone decides.
  }
  const code = typeof body.error === 'string' ? body.error : `HTTP_${status}`;
  const message = typeof body.message === 'string' ? body.message : text.slice(0, 200) || `HTTP ${status}`;
  const details = body.details;
  const after = retryAfterMs(headers.get('retry-after'));
  switch (status) {
    case 400:
      return new ValidationError(message, code, status, details);
    case 401:
      return new UnauthorizedError(message, code, status, details);
    case 403:
      return new ForbiddenError(message, code, status, details);
    case 404:
      return new NotFoundError(message, code, status, details);
    case 409:
      if (code === 'WrongExpectedVersion') {
        const actual = typeof body.actualVersion === 'number' ? body.actualVersion : null;
        return new WrongExpectedVersionError(message, body.expectedVersion, actual, details);
      }
      return new ConflictError(message, code, status, details);
    case 410:
      return new StreamDeletedError(message, code, status, details);
    case 429:
      return new RateLimitedError(message, code, after, details);
    case 503:
      if (code === 'AppendOutcomeUnknown') return new OutcomeUnknownError(message, code, status, details);
      return new UnavailableError(message, code, status, after, details);
    case 502:
    case 504:
      return new UnavailableError(message, code, status, after, details);
    default:
      return status >= 400 && status < 500
        ? new EventStoreClientError(message, code, status, details)
        : new ServerError(message, code, status, details);
  }
}
