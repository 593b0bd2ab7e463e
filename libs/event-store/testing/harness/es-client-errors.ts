import { errors } from '@elastic/elasticsearch';

/** Errors shaped exactly as the official client throws them, so the store's translation code meets the real thing. */
export interface EsErrorBody {
  type: string;
  reason: string;
}

function diagnostic(statusCode: number, body: unknown) {
  return {
    body,
    statusCode,
    headers: {},
    warnings: null,
    meta: {
      context: null,
      name: 'elasticsearch-js',
      request: { params: { method: 'POST', path: '/' }, options: {}, id: 0 },
      connection: null,
      attempts: 0,
      aborted: false,
    },
  };
}

export function responseError(statusCode: number, error: EsErrorBody): errors.ResponseError {
  return new errors.ResponseError(diagnostic(statusCode, { error: { root_cause: [error], ...error }, status: statusCode }) as never);
}

/** An error answer whose body is not an error object (a 404 for a missing document, say). */
export function bodyError(statusCode: number, body: Record<string, unknown>): errors.ResponseError {
  return new errors.ResponseError(diagnostic(statusCode, body) as never);
}

/** A GET of a missing document: 404 with `found: false` (not an error type). */
export function notFoundError(index: string, id: string): errors.ResponseError {
  return new errors.ResponseError(diagnostic(404, { _index: index, _id: id, found: false }) as never);
}

export const versionConflict = (index: string, id: string, reason: string) =>
  responseError(409, { type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict, ${reason}` });

export const indexNotFound = (index: string) =>
  responseError(404, { type: 'index_not_found_exception', reason: `no such index [${index}]` });

export const tooManyRequests = () =>
  responseError(429, { type: 'es_rejected_execution_exception', reason: 'rejected execution (injected fault)' });

export const unavailable = () =>
  responseError(503, { type: 'unavailable_shards_exception', reason: 'primary shard is not active (injected fault)' });

export const timeoutError = () => new errors.TimeoutError('Request timed out (injected fault: the request may have been applied)');

export const connectionError = () => new errors.ConnectionError('socket hang up (injected fault: the request may have been applied)');
