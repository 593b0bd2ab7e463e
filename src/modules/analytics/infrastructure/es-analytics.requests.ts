import type { estypes } from '@elastic/elasticsearch';
import { type ReadScope } from '@gyroscops/event-store';
import { eventFilters, eventsIndexFields } from '@gyroscops/event-store/elasticsearch';
import type { EventFilter } from '../analytics.port';
import { BILLING, PAYMENT, WORKFLOW } from '../domain/event-catalog';
import { CALENDAR_INTERVAL, finestInterval, type Interval } from '../domain/time-buckets';
import { SEARCH_FIELDS } from '../../../search-fields';

/**
 * The Elasticsearch requests behind every figure, as plain builders: the adapter runs them, and the benchmark runs
 * the very same bodies raw to measure the service's overhead. Core Elasticsearch only: no scripts, no pipeline
 * aggregations. Counts come from `doc_count` and `track_total_hits: true` (exact); keys that can be numerous
 * (organizations, users, currencies, step kinds) come from composite aggregations paged with `after`, never from
 * `terms` (whose counts are approximate once a shard holds more terms than it returns) nor from `cardinality`.
 */

/** Buckets per composite page: with the statistics' two time series (at most 10,000 + 417 buckets) far below
 * `search.max_buckets` (65,536 per request). */
export const COMPOSITE_PAGE_SIZE = 5_000;
/** Budget of buckets one request may create, under `search.max_buckets`. */
export const REQUEST_BUCKET_BUDGET = 40_000;

export type AfterKey = Record<string, string | number | null>;

/** The events index's fields as the store indexes them for the service's declarations: a wrong name does not compile. */
const FIELD = eventsIndexFields(SEARCH_FIELDS);
const TIMESTAMP = FIELD.event.timestamp;

export function analyticsQuery(
  filter: EventFilter,
  scope: ReadScope,
  extra: estypes.QueryDslQueryContainer[] = [],
): estypes.QueryDslQueryContainer {
  const base = eventFilters({ eventType: filter.eventType, aggregateType: filter.aggregateType, from: filter.from, to: filter.to }, scope);
  return { bool: { filter: [...base, ...extra] } };
}

function histogram(
  interval: Interval,
  timeZone: string,
  emptyBuckets: false | { from?: Date; to?: Date },
): estypes.AggregationsDateHistogramAggregation {
  return {
    field: TIMESTAMP,
    calendar_interval: CALENDAR_INTERVAL[interval],
    time_zone: timeZone,
    min_doc_count: emptyBuckets ? 0 : 1,
    ...(emptyBuckets && (emptyBuckets.from || emptyBuckets.to)
      ? {
          extended_bounds: {
            ...(emptyBuckets.from ? { min: emptyBuckets.from.getTime() } : {}),
            ...(emptyBuckets.to ? { max: emptyBuckets.to.getTime() } : {}),
          },
        }
      : {}),
  };
}

/** One exact key per bucket; events without the field are counted under a null key. */
function composite(field: string, size: number, after?: AfterKey): estypes.AggregationsCompositeAggregation {
  return { size, sources: [{ key: { terms: { field, missing_bucket: true } } }], ...(after ? { after } : {}) };
}

/** Count and first/last time of the matching events: bounds a range left open, for the bucket limit. */
export function extentRequest(index: string, filter: EventFilter, scope: ReadScope): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: true,
    query: analyticsQuery(filter, scope),
    aggs: { first: { min: { field: TIMESTAMP } }, last: { max: { field: TIMESTAMP } } },
  };
}

/** Everything statistics needs in one request; organizations and users past the first page come from `keyPageRequest`. */
export function statisticsRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  timeZone: string,
  pageSize = COMPOSITE_PAGE_SIZE,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: true,
    query: analyticsQuery(filter, scope),
    aggs: {
      byHour: { date_histogram: histogram('hour', timeZone, false) },
      byDay: { date_histogram: histogram('day', timeZone, false) },
      byOrganization: { composite: composite(FIELD.event.organizationId, pageSize) },
      byUser: { composite: composite(FIELD.event.userId, pageSize) },
    },
  };
}

/** The next page of one statistics key (organizations or users). */
export function keyPageRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  name: 'byOrganization' | 'byUser',
  after: AfterKey,
  pageSize = COMPOSITE_PAGE_SIZE,
): estypes.SearchRequest {
  const field = name === 'byOrganization' ? FIELD.event.organizationId : FIELD.event.userId;
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery(filter, scope),
    aggs: { [name]: { composite: composite(field, pageSize, after) } },
  };
}

/** Counts per bucket over [from, to], empty buckets included (ISO weeks start on Monday, months on the 1st, in the zone). */
export function trendsRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  interval: Interval,
  timeZone: string,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery(filter, scope),
    aggs: { trends: { date_histogram: histogram(interval, timeZone, { from: filter.from, to: filter.to }) } },
  };
}

const sumOf = (field: string): estypes.AggregationsAggregationContainer => ({ sum: { field } });
const byType = (eventType: string, ...more: estypes.QueryDslQueryContainer[]): estypes.QueryDslQueryContainer =>
  more.length === 0
    ? { term: { [FIELD.event.eventType]: eventType } }
    : { bool: { filter: [{ term: { [FIELD.event.eventType]: eventType } }, ...more] } };

/** PaymentProcessed amounts per currency (paged) and per bucket, with the filter's eventType fixed. */
export function paymentVolumeRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  interval: Interval,
  timeZone: string,
  pageSize: number,
  after?: AfterKey,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery({ ...filter, eventType: PAYMENT.processed, aggregateType: PAYMENT.aggregateType }, scope),
    aggs: {
      currencies: {
        composite: composite(FIELD.kw.currency, pageSize, after),
        aggs: {
          volume: sumOf(FIELD.num.amountMinor),
          series: {
            date_histogram: histogram(interval, timeZone, { from: filter.from, to: filter.to }),
            aggs: { volume: sumOf(FIELD.num.amountMinor) },
          },
        },
      },
    },
  };
}

/** Processed and refunded amounts per currency (paged). */
export function refundsRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  after?: AfterKey,
  pageSize = COMPOSITE_PAGE_SIZE,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery({ ...filter, eventType: [PAYMENT.processed, PAYMENT.refunded], aggregateType: PAYMENT.aggregateType }, scope),
    aggs: {
      currencies: {
        composite: composite(FIELD.kw.currency, pageSize, after),
        aggs: {
          processed: { filter: byType(PAYMENT.processed), aggs: { amount: sumOf(FIELD.num.amountMinor) } },
          refunded: { filter: byType(PAYMENT.refunded), aggs: { amount: sumOf(FIELD.num.amountMinor) } },
        },
      },
    },
  };
}

/** Issued, voided (after issue) and paid invoice amounts per organization, billing period and currency (paged). */
export function billingTotalsRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  after?: AfterKey,
  pageSize = COMPOSITE_PAGE_SIZE,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery(
      { ...filter, eventType: [BILLING.issued, BILLING.voided, BILLING.paymentApplied], aggregateType: BILLING.aggregateType },
      scope,
    ),
    aggs: {
      totals: {
        composite: {
          size: pageSize,
          sources: [
            { organizationId: { terms: { field: FIELD.event.organizationId, missing_bucket: true } } },
            { period: { terms: { field: FIELD.kw.period, missing_bucket: true } } },
            { currency: { terms: { field: FIELD.kw.currency, missing_bucket: true } } },
          ],
          ...(after ? { after } : {}),
        },
        aggs: {
          issued: { filter: byType(BILLING.issued), aggs: { amount: sumOf(FIELD.num.totalMinor) } },
          voided: {
            filter: byType(BILLING.voided, { terms: { [FIELD.dataFlat('previousStatus')]: [...BILLING.voidedAfterIssue] } }),
            aggs: { amount: sumOf(FIELD.num.totalMinor) },
          },
          paid: { filter: byType(BILLING.paymentApplied), aggs: { amount: sumOf(FIELD.num.amountMinor) } },
        },
      },
    },
  };
}

const durationFigures = (): Record<string, estypes.AggregationsAggregationContainer> => ({
  durations: { stats: { field: FIELD.num.durationMs } },
  percentiles: { percentiles: { field: FIELD.num.durationMs, percents: [50, 95], keyed: false } },
});

/**
 * Completed and failed steps per step kind (paged), with duration average and percentiles over completed steps;
 * beside them, the durations of completed workflows.
 */
export function workflowStepsRequest(
  index: string,
  filter: EventFilter,
  scope: ReadScope,
  after?: AfterKey,
  pageSize = COMPOSITE_PAGE_SIZE,
): estypes.SearchRequest {
  return {
    index,
    size: 0,
    track_total_hits: false,
    query: analyticsQuery(
      { ...filter, eventType: [WORKFLOW.stepCompleted, WORKFLOW.stepFailed, WORKFLOW.completed], aggregateType: WORKFLOW.aggregateType },
      scope,
    ),
    aggs: {
      steps: {
        filter: { terms: { [FIELD.event.eventType]: [WORKFLOW.stepCompleted, WORKFLOW.stepFailed] } },
        aggs: {
          stepKinds: {
            composite: composite(FIELD.kw.stepKind, pageSize, after),
            aggs: {
              completed: { filter: byType(WORKFLOW.stepCompleted), aggs: durationFigures() },
              failed: { filter: byType(WORKFLOW.stepFailed) },
            },
          },
        },
      },
      workflows: { filter: byType(WORKFLOW.completed), aggs: durationFigures() },
    },
  };
}

/** What the benchmark sends the service and the same bodies it runs raw against Elasticsearch (scenario 5). */
export interface BenchmarkRequests {
  /** Query parameters of GET /v1/analytics/events/statistics and /trends that make the service run exactly these bodies. */
  params: { from: string; to: string; interval: Interval; timeZone: string; eventType?: string };
  statistics: estypes.SearchRequest;
  trends: estypes.SearchRequest;
}

/**
 * The statistics and trends requests the service runs for a closed range, for the benchmark to run raw against the
 * same events index. With both bounds given and at most COMPOSITE_PAGE_SIZE organizations and users, the service
 * sends exactly these two bodies (one each), so the difference measured is the service's own overhead.
 * `interval` defaults to the finest one within the bucket limit.
 */
export function benchmarkRequests(
  eventsIndex: string,
  params: { scope: ReadScope; from: Date; to: Date; eventType?: string; interval?: Interval; timeZone?: string },
): BenchmarkRequests {
  const filter: EventFilter = { eventType: params.eventType, from: params.from, to: params.to };
  const timeZone = params.timeZone ?? 'UTC';
  const interval = params.interval ?? finestInterval(params.from.getTime(), params.to.getTime(), timeZone);
  return {
    params: {
      from: params.from.toISOString(),
      to: params.to.toISOString(),
      interval,
      timeZone,
      ...(params.eventType ? { eventType: params.eventType } : {}),
    },
    statistics: statisticsRequest(eventsIndex, filter, params.scope, timeZone),
    trends: trendsRequest(eventsIndex, filter, params.scope, interval, timeZone),
  };
}
