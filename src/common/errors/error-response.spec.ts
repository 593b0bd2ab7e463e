import { errors as es } from '@elastic/elasticsearch';
import { BadRequestException, ForbiddenException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { MgetItemError } from '@gyroscops/event-store/elasticsearch';
import { errorName, toErrorResponse } from './error-response';
import { RequestValidationError } from './validation';

/** Event-store errors are matched by their stable `code`, like these look-alikes of libs/event-store's classes. */
function storeError(code: string, message: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { code }, fields);
}

const esResult = (statusCode: number) =>
  ({ body: { error: 'x' }, statusCode, headers: {}, meta: {}, warnings: null }) as unknown as ConstructorParameters<
    typeof es.ResponseError
  >[0];

describe('toErrorResponse', () => {
  describe('for event-store errors', () => {
    it('answers WrongExpectedVersion with 409 and both versions', () => {
      const error = storeError('WrongExpectedVersion', 'Stream s-1 is at version 3, expected 2', { expectedVersion: 2, actualVersion: 3 });
      expect(toErrorResponse(error)).toEqual({
        status: 409,
        body: { error: 'WrongExpectedVersion', message: 'Stream s-1 is at version 3, expected 2', expectedVersion: 2, actualVersion: 3 },
        log: 'none',
      });
    });

    it.each([
      ['StreamNotFound', 404],
      ['EventNotFound', 404],
      ['InvalidEvent', 400],
      ['DuplicateEvent', 409],
      ['EventStoreUnavailable', 503],
      ['AppendOutcomeUnknown', 503],
    ])('answers %s with %i', (code, status) => {
      const response = toErrorResponse(storeError(code, 'm'));
      expect(response.status).toBe(status);
      expect(response.body.error).toBe(code);
    });

    it('passes InvalidEvent details through', () => {
      const error = storeError('InvalidEvent', 'eventType is required', { details: { field: 'eventType' } });
      expect(toErrorResponse(error).body).toEqual({
        error: 'InvalidEvent',
        message: 'eventType is required',
        details: { field: 'eventType' },
      });
    });

    it('answers an InvalidEvent about the aggregate type (the stream holds another type) with 409 AggregateTypeMismatch', () => {
      const error = storeError('InvalidEvent', 'stream s-1 holds Order events, not Invoice', { details: [{ field: 'aggregateType' }] });
      expect(toErrorResponse(error)).toEqual({
        status: 409,
        body: {
          error: 'AggregateTypeMismatch',
          message: 'stream s-1 holds Order events, not Invoice',
          details: [{ field: 'aggregateType' }],
        },
        log: 'none',
      });
    });

    it('names only the event of a DuplicateEvent, not the stream holding it', () => {
      const error = storeError('DuplicateEvent', 'Event e-1 is already stored at other-org-stream@4', {
        eventId: 'e-1',
        aggregateId: 'x',
        version: 4,
      });
      expect(toErrorResponse(error).body).toEqual({ error: 'DuplicateEvent', message: 'Event e-1 is already stored' });
    });

    it('answers EventStoreUnavailable with 503, a retry hint and a warning', () => {
      expect(toErrorResponse(storeError('EventStoreUnavailable', 'connect ECONNREFUSED 10.0.0.1:9200'))).toEqual({
        status: 503,
        body: { error: 'EventStoreUnavailable', message: 'The event store is unavailable; retry later' },
        headers: { 'retry-after': '5' },
        log: 'warn',
      });
    });

    it('answers AppendOutcomeUnknown with 503 saying the write may have been recorded, never that nothing was', () => {
      const response = toErrorResponse(storeError('AppendOutcomeUnknown', 'm'));
      expect(response.status).toBe(503);
      expect(response.headers).toEqual({ 'retry-after': '5' });
      expect(response.body.message).toMatch(/may have been recorded.*same Idempotency-Key or eventIds/);
    });
  });

  describe('for domain errors', () => {
    it('answers a MODULE.REASON code with 409 by default, with details', () => {
      const error = storeError('PAYMENT.REFUND_EXCEEDS_CAPTURED', 'Refund exceeds the captured amount', { details: { captured: 10 } });
      expect(toErrorResponse(error)).toEqual({
        status: 409,
        body: { error: 'PAYMENT.REFUND_EXCEEDS_CAPTURED', message: 'Refund exceeds the captured amount', details: { captured: 10 } },
        log: 'none',
      });
    });

    it('uses the error httpStatus when it is an error status', () => {
      expect(toErrorResponse(storeError('BILLING.INVOICE_NOT_FOUND', 'no', { httpStatus: 404 })).status).toBe(404);
      expect(toErrorResponse(storeError('BILLING.WHATEVER', 'no', { httpStatus: 200 })).status).toBe(409);
    });

    it('does not take system error codes for domain codes', () => {
      expect(toErrorResponse(storeError('ECONNRESET', 'socket hang up')).status).toBe(500);
    });
  });

  describe('for Elasticsearch client errors', () => {
    it.each([
      ['a connection error', new es.ConnectionError('connect ECONNREFUSED')],
      ['a timeout', new es.TimeoutError('Request timed out')],
      ['no living connections', new es.NoLivingConnectionsError('none', esResult(0) as never)],
      ['HTTP 429', new es.ResponseError(esResult(429))],
      ['HTTP 503', new es.ResponseError(esResult(503))],
      [
        'a write block (403 cluster_block_exception)',
        new es.ResponseError({
          ...esResult(403),
          body: { error: { type: 'cluster_block_exception', reason: 'index write (api)' }, status: 403 },
        }),
      ],
      [
        'a closed index (400 index_closed_exception, e.g. a GET of a consumer state)',
        new es.ResponseError({ ...esResult(400), body: { error: { type: 'index_closed_exception', reason: 'closed' }, status: 400 } }),
      ],
      ['an mget item of a closed index', new MgetItemError({ type: 'index_closed_exception', reason: 'closed' })],
      ['an mget item of a shard not available', new MgetItemError({ type: 'no_shard_available_action_exception', reason: null })],
    ])('answers %s with 503 EventStoreUnavailable', (_name, error) => {
      const response = toErrorResponse(error);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ error: 'EventStoreUnavailable', message: 'The event store is unavailable; retry later' });
    });

    it('answers other Elasticsearch responses as internal errors', () => {
      expect(toErrorResponse(new es.ResponseError(esResult(400))).status).toBe(500);
    });
  });

  describe('for HTTP errors', () => {
    it('answers request validation errors with per-field details', () => {
      const error = new RequestValidationError([{ field: 'amount', constraints: { isPositive: 'amount must be a positive number' } }]);
      expect(toErrorResponse(error)).toEqual({
        status: 400,
        body: {
          error: 'ValidationError',
          message: 'amount must be a positive number',
          details: [{ field: 'amount', constraints: { isPositive: 'amount must be a positive number' } }],
        },
        log: 'none',
      });
    });

    it('names the error after the status', () => {
      expect(toErrorResponse(new NotFoundException('Cannot GET /x')).body).toEqual({ error: 'NotFound', message: 'Cannot GET /x' });
      expect(toErrorResponse(new PayloadTooLargeException('too big')).body).toEqual({ error: 'PayloadTooLarge', message: 'too big' });
      expect(toErrorResponse(new ForbiddenException('no')).body).toEqual({ error: 'Forbidden', message: 'no' });
      expect(toErrorResponse(new HttpException('bad type', 415)).body).toEqual({ error: 'UnsupportedMediaType', message: 'bad type' });
      expect(toErrorResponse(new ThrottlerException()).body.error).toBe('TooManyRequests');
    });

    it('joins message lists and asks 401s for a bearer token', () => {
      expect(toErrorResponse(new BadRequestException(['a is bad', 'b is bad'])).body.message).toBe('a is bad; b is bad');
      expect(toErrorResponse(new HttpException('no token', 401)).headers).toEqual({ 'www-authenticate': 'Bearer' });
    });

    it('maps Fastify client errors by their status', () => {
      const error = Object.assign(new Error('Request body is too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
      expect(toErrorResponse(error)).toMatchObject({
        status: 413,
        body: { error: 'PayloadTooLarge', message: 'Request body is too large' },
      });
    });
  });

  describe('for anything else', () => {
    it('answers 500 without the message or the stack, and asks for it to be logged', () => {
      const error = new Error('connection string postgres://admin:hunter2@db');
      const response = toErrorResponse(error);
      expect(response).toEqual({ status: 500, body: { error: 'InternalServerError', message: 'Internal server error' }, log: 'error' });
      expect(JSON.stringify(response.body)).not.toContain('hunter2');
      expect(JSON.stringify(response.body)).not.toContain('at ');
    });

    it('copes with thrown non-errors', () => {
      expect(toErrorResponse('a string').status).toBe(500);
      expect(toErrorResponse(undefined).status).toBe(500);
    });
  });
});

describe('errorName', () => {
  it('turns reason phrases into PascalCase names', () => {
    expect(errorName(404)).toBe('NotFound');
    expect(errorName(413)).toBe('PayloadTooLarge');
    expect(errorName(503)).toBe('ServiceUnavailable');
    expect(errorName(599)).toBe('InternalServerError');
  });
});
