import { DomainError } from '@gyroscops/ddd';

/** One field's complaint, in the shape the validation errors use. */
export interface AnalyticsErrorDetail {
  field: string;
  message: string;
  [extra: string]: unknown;
}

/** Base of the Analytics module's errors: a stable `ANALYTICS.*` code, 400 unless said otherwise. */
export class AnalyticsError extends DomainError {
  constructor(code: string, message: string, httpStatus = 400, details?: AnalyticsErrorDetail[]) {
    super(`ANALYTICS.${code}`, message, httpStatus, details);
    this.name = new.target.name;
  }
}

export class InvalidIntervalError extends AnalyticsError {
  constructor(value: string, allowed: readonly string[]) {
    super('INVALID_INTERVAL', `interval must be one of ${allowed.join(', ')}`, 400, [
      { field: 'interval', message: `unknown interval ${JSON.stringify(value).slice(0, 40)}`, allowed: [...allowed] },
    ]);
  }
}

export class InvalidTimeZoneError extends AnalyticsError {
  constructor(value: string) {
    super('INVALID_TIME_ZONE', 'timeZone must be an IANA time zone such as Europe/Paris or UTC', 400, [
      { field: 'timeZone', message: `unknown time zone ${JSON.stringify(value).slice(0, 80)}` },
    ]);
  }
}

export class InvalidDateError extends AnalyticsError {
  constructor(field: string, value: string) {
    super('INVALID_DATE', `${field} must be an ISO 8601 date (2024-12-19) or date-time (2024-12-19T10:00:00Z)`, 400, [
      { field, message: `not an ISO 8601 date or date-time: ${JSON.stringify(value).slice(0, 60)}` },
    ]);
  }
}

export class TooManyBucketsError extends AnalyticsError {
  constructor(interval: string, buckets: number, limit: number, from?: Date, to?: Date) {
    super(
      'TOO_MANY_BUCKETS',
      `the range would produce ${buckets} ${interval} buckets, more than the limit of ${limit}: narrow from/to or choose a coarser interval`,
      400,
      [
        {
          field: 'interval',
          message: `at most ${limit} buckets per series`,
          interval,
          buckets,
          limit,
          ...(from ? { from: from.toISOString() } : {}),
          ...(to ? { to: to.toISOString() } : {}),
        },
      ],
    );
  }
}

/** Elasticsearch refused a query as built (a bug or a limit of the cluster), never an unexplained 500. */
export class AnalyticsQueryRefusedError extends AnalyticsError {
  constructor(reason: string) {
    super('QUERY_REFUSED', 'Elasticsearch refused the analytics query', 400, [{ field: 'query', message: reason.slice(0, 300) }]);
  }
}

export class CorrelationNotFoundError extends AnalyticsError {
  constructor(correlationId: string) {
    super('CORRELATION_NOT_FOUND', `No events of correlation ${correlationId} are visible to you`, 404, [
      { field: 'correlationId', message: 'no visible events' },
    ]);
  }
}

/** A sum of minor units beyond 2^53 cannot be exact in Elasticsearch's double-valued sum aggregation. */
export class SumNotExactError extends AnalyticsError {
  constructor(what: string) {
    super('SUM_NOT_EXACT', `the sum of ${what} exceeds 2^53 minor units and cannot be exact: narrow the range`, 422, [
      { field: 'from', message: 'narrow the range' },
    ]);
  }
}
