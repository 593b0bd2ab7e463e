import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** 1-128 characters that are safe in headers, logs and Elasticsearch keyword fields. */
const SAFE_CORRELATION_ID = /^[A-Za-z0-9._:@-]{1,128}$/;

export function isValidCorrelationId(value: unknown): value is string {
  return typeof value === 'string' && SAFE_CORRELATION_ID.test(value);
}

const correlationIds = new WeakMap<IncomingMessage, string>();

/**
 * The request's correlation id: the caller's `x-correlation-id` when valid, otherwise a new UUID.
 * Decided once per request, so Fastify, the request logger and the request context all agree.
 */
export function correlationIdOf(request: IncomingMessage): string {
  let id = correlationIds.get(request);
  if (id === undefined) {
    const header = request.headers[CORRELATION_ID_HEADER];
    id = isValidCorrelationId(header) ? header : randomUUID();
    correlationIds.set(request, id);
  }
  return id;
}
