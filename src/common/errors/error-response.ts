import { STATUS_CODES } from 'node:http';
import { errors as es } from '@elastic/elasticsearch';
import { HttpException } from '@nestjs/common';
import { isTransientElasticsearchError } from '@gyroscops/event-store/elasticsearch';
import { RequestValidationError } from './validation';

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown;
  [extra: string]: unknown;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers?: Record<string, string>;
  /** `error`: unexpected, log with stack; `warn`: a dependency failed; `none`: the client's doing. */
  log: 'none' | 'warn' | 'error';
}

/** Codes of the event store's errors (libs/event-store event-store.errors.ts), matched by `code` only. */
const EVENT_STORE_STATUS: Readonly<Record<string, number>> = {
  WrongExpectedVersion: 409,
  StreamNotFound: 404,
  StreamDeleted: 410,
  StreamProtected: 409,
  EventNotFound: 404,
  EventStoreUnavailable: 503,
  AppendOutcomeUnknown: 503,
  InvalidEvent: 400,
  InvalidQuery: 400,
  DuplicateEvent: 409,
};

/** Domain error codes look like `PAYMENT.REFUND_EXCEEDS_CAPTURED`. */
const DOMAIN_CODE = /^[A-Z_]+\.[A-Z_]+$/;
const RETRY_AFTER = { 'retry-after': '5' };
const INTERNAL: ErrorResponse = {
  status: 500,
  body: { error: 'InternalServerError', message: 'Internal server error' },
  log: 'error',
};

/** Maps anything thrown while serving a request to its HTTP answer. Never exposes stacks or internals. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof RequestValidationError) {
    return { status: 400, body: { error: 'ValidationError', message: exception.message, details: exception.details }, log: 'none' };
  }
  if (exception instanceof HttpException) return fromHttpException(exception);
  if (isElasticsearchUnavailable(exception)) {
    return {
      status: 503,
      body: { error: 'EventStoreUnavailable', message: 'The event store is unavailable; retry later' },
      headers: RETRY_AFTER,
      log: 'warn',
    };
  }
  if (!(exception instanceof Error)) return INTERNAL;

  const fields = exception as Error & Record<string, unknown>;
  const code = fields['code'];
  if (typeof code === 'string' && code in EVENT_STORE_STATUS) return fromEventStoreError(code, fields);
  if (typeof code === 'string' && DOMAIN_CODE.test(code)) {
    const httpStatus = fields['httpStatus'];
    const status =
      typeof httpStatus === 'number' && Number.isInteger(httpStatus) && httpStatus >= 400 && httpStatus <= 599 ? httpStatus : 409;
    const body: ErrorBody = { error: code, message: exception.message };
    if (fields['details'] !== undefined) body.details = fields['details'];
    // 503/504 from the domain (a stale read model, a stopped projection) are conditions to watch, not bugs.
    return { status, body, log: status === 503 || status === 504 ? 'warn' : status >= 500 ? 'error' : 'none' };
  }
  if (isFastifyClientError(fields)) return fromStatus(fields.statusCode, exception.message);
  return INTERNAL;
}

function fromEventStoreError(code: string, error: Error & Record<string, unknown>): ErrorResponse {
  const status = EVENT_STORE_STATUS[code];
  const body: ErrorBody = { error: code, message: error.message };
  switch (code) {
    case 'WrongExpectedVersion':
      body.expectedVersion = error['expectedVersion'];
      body.actualVersion = error['actualVersion'];
      break;
    case 'InvalidEvent':
      if (isAggregateTypeMismatch(error['details'])) {
        // A well-formed append (or a domain command) to an id another kind of aggregate already holds: the request
        // conflicts with the stream's state, like a wrong expected version.
        return { status: 409, body: { error: 'AggregateTypeMismatch', message: error.message, details: error['details'] }, log: 'none' };
      }
      if (error['details'] !== undefined) body.details = error['details'];
      break;
    case 'InvalidQuery':
      if (error['details'] !== undefined) body.details = error['details'];
      break;
    case 'DuplicateEvent':
      // The stored position may belong to another organization's stream: name the event only.
      if (typeof error['eventId'] === 'string') body.message = `Event ${error['eventId']} is already stored`;
      break;
    case 'EventStoreUnavailable':
      body.message = 'The event store is unavailable; retry later';
      return { status, body, headers: RETRY_AFTER, log: 'warn' };
    case 'AppendOutcomeUnknown':
      // Not "nothing was recorded": the write may have landed. A retry with the same ids stores it at most once.
      body.message = 'The outcome of this write is unknown: it may have been recorded. Retry it with the same Idempotency-Key or eventIds';
      return { status, body, headers: RETRY_AFTER, log: 'warn' };
  }
  return { status, body, log: 'none' };
}

/**
 * The store names the field of an InvalidEvent. Past the DTOs (which check aggregateType's pattern), a complaint
 * about aggregateType can only be that the stream already holds events of another aggregate type.
 */
function isAggregateTypeMismatch(details: unknown): boolean {
  return Array.isArray(details) && details.length === 1 && (details[0] as { field?: unknown })?.field === 'aggregateType';
}

function fromHttpException(exception: HttpException): ErrorResponse {
  const status = exception.getStatus();
  const response = exception.getResponse();
  let message = exception.message;
  let details: unknown;
  if (typeof response === 'string') {
    message = response;
  } else if (typeof response === 'object' && response !== null) {
    const r = response as Record<string, unknown>;
    if (typeof r['message'] === 'string') message = r['message'];
    else if (Array.isArray(r['message'])) message = r['message'].map(String).join('; ');
    details = r['details'];
  }
  const result = fromStatus(status, message);
  if (details !== undefined) result.body.details = details;
  return result;
}

function fromStatus(status: number, message: string): ErrorResponse {
  const body: ErrorBody = { error: errorName(status), message };
  const headers = status === 401 ? { 'www-authenticate': 'Bearer' } : undefined;
  return { status, body, headers, log: status >= 500 ? 'error' : 'none' };
}

/** `413` → `PayloadTooLarge`, `404` → `NotFound`: the reason phrase in PascalCase. */
export function errorName(status: number): string {
  const phrase = STATUS_CODES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Bad Request');
  return phrase.replace(/[^A-Za-z0-9 ]/g, '').replace(/(?:^|\s+)(\w)/g, (_, c: string) => c.toUpperCase());
}

/**
 * Elasticsearch unreachable, timing out, overloaded (429, 502-504), refusing writes for a while (a write block: a
 * backup's pause, the disk watermark) or without the shard asked for; also a read whose items it could not serve
 * (`MgetItemError`, raised by the libraries). The one list of such failures is the event store's.
 */
function isElasticsearchUnavailable(exception: unknown): boolean {
  return exception instanceof es.ElasticsearchClientError && isTransientElasticsearchError(exception);
}

// Fastify's own errors (body too large, unsupported media type, bad JSON) carry a 4xx statusCode.
function isFastifyClientError(error: Record<string, unknown>): error is Record<string, unknown> & { statusCode: number } {
  const status = error['statusCode'];
  return (
    typeof error['code'] === 'string' && error['code'].startsWith('FST_') && typeof status === 'number' && status >= 400 && status < 500
  );
}
