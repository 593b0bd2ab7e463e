import { errors, type Client, type estypes } from '@elastic/elasticsearch';
import { EventStoreUnavailableError, type ReadScope, type TelemetryRetention } from '@gyroscops/event-store';
import { DEFAULT_EVENTS_LAYOUT, searchRouting, telemetryHidden, type EventsIndexLayout } from '@gyroscops/event-store/elasticsearch';
import { AnalyticsError, AnalyticsQueryRefusedError, SumNotExactError } from '../analytics.errors';
import type {
  AnalyticsReader,
  BillingFigures,
  CountBucket,
  CurrencySeries,
  EventFilter,
  EventStatisticsData,
  Extent,
  KeyCount,
  MoneySum,
  RefundFigures,
  DurationFigures,
  WorkflowFigures,
} from '../analytics.port';
import { UNKNOWN_KEY } from '../domain/event-catalog';
import { countBuckets, MAX_BUCKETS, type Interval } from '../domain/time-buckets';
import {
  billingTotalsRequest,
  COMPOSITE_PAGE_SIZE,
  extentRequest,
  keyPageRequest,
  paymentVolumeRequest,
  refundsRequest,
  REQUEST_BUCKET_BUDGET,
  statisticsRequest,
  trendsRequest,
  workflowStepsRequest,
  type AfterKey,
} from './es-analytics.requests';

// The slices of Elasticsearch's aggregation responses these requests produce.
interface HistogramBucket {
  key: number;
  doc_count: number;
}
interface Histogram<B = HistogramBucket> {
  buckets: B[];
}
interface CompositeBucket<K = AfterKey> {
  key: K;
  doc_count: number;
}
interface Composite<B> {
  buckets: B[];
  after_key?: AfterKey;
}
interface ValueAgg {
  value: number | null;
}
interface FilterWithAmount {
  doc_count: number;
  amount: ValueAgg;
}

type StatisticsAggs = {
  byHour: Histogram;
  byDay: Histogram;
  byOrganization: Composite<CompositeBucket>;
  byUser: Composite<CompositeBucket>;
};
type VolumeBucket = CompositeBucket & { volume: ValueAgg; series: Histogram<HistogramBucket & { volume: ValueAgg }> };
type RefundBucket = CompositeBucket & { processed: FilterWithAmount; refunded: FilterWithAmount };
type BillingBucket = CompositeBucket & { issued: FilterWithAmount; voided: FilterWithAmount; paid: FilterWithAmount };
interface DurationAggs {
  doc_count: number;
  durations: { count: number; avg: number | null };
  percentiles: { values: { key: number; value: number | null }[] };
}
type StepBucket = CompositeBucket & { completed: DurationAggs; failed: { doc_count: number } };
type WorkflowAggs = { steps: { stepKinds: Composite<StepBucket> }; workflows: DurationAggs };

function durationFigures(aggs: DurationAggs): DurationFigures {
  const count = aggs.durations.count;
  const percentile = (p: number) => (count > 0 ? (aggs.percentiles.values.find((v) => v.key === p)?.value ?? null) : null);
  return { count, avg: count > 0 ? aggs.durations.avg : null, p50: percentile(50), p95: percentile(95) };
}

const keyText = (value: string | number | null | undefined): string =>
  value === null || value === undefined ? UNKNOWN_KEY : String(value);

function exactSum(agg: ValueAgg | undefined, what: string): number {
  const value = agg?.value ?? 0;
  // Elasticsearch sums in doubles: integers stay exact only up to 2^53.
  if (!Number.isSafeInteger(value)) throw new SumNotExactError(what);
  return value;
}

const moneySum = (agg: FilterWithAmount, what: string): MoneySum => ({ count: agg.doc_count, sumMinor: exactSum(agg.amount, what) });

/** Elasticsearch's own words for why it refused a request, for the 400's details. */
function refusalReason(e: errors.ResponseError): string {
  const body = e.meta?.body as
    { error?: { type?: string; reason?: string; root_cause?: { type?: string; reason?: string }[] } } | undefined;
  const cause = body?.error?.root_cause?.[0] ?? body?.error;
  return [cause?.type, cause?.reason].filter(Boolean).join(': ') || e.message;
}

/**
 * Translates the client's errors: Elasticsearch unreachable, overloaded or failing (connection, timeout, 429,
 * 5xx, missing index) is a 503 the caller may retry; a query Elasticsearch refuses as built is a 400 with its
 * reason. Nothing from Elasticsearch surfaces as an unexplained 500.
 */
export function translateEsError(e: unknown, what: string): Error {
  if (e instanceof AnalyticsError || e instanceof EventStoreUnavailableError) return e;
  if (e instanceof errors.ResponseError) {
    const status = e.statusCode ?? 0;
    const type = (e.meta?.body as { error?: { type?: string } } | undefined)?.error?.type;
    if (status >= 400 && status < 500 && ![404, 408, 429].includes(status) && type !== 'index_not_found_exception') {
      return new AnalyticsQueryRefusedError(refusalReason(e));
    }
  }
  if (e instanceof errors.ElasticsearchClientError) {
    return new EventStoreUnavailableError(`Elasticsearch unavailable during ${what}: ${e.message.slice(0, 300)}`, e);
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** The analytics reader over the events index: aggregations only, every request filtered by the caller's scope. */
export class ElasticsearchAnalyticsReader implements AnalyticsReader {
  private readonly pageSize: number;
  private readonly telemetry: TelemetryRetention | undefined;
  private readonly clock: () => Date;
  private readonly layout: EventsIndexLayout;

  /**
   * `pageSize`: keys per composite page (tests use small pages to exercise paging on real Elasticsearch).
   * `telemetryRetention`: the event store's, so analytics count no event its reads no longer show.
   * `eventsIndex`: the store's events index layout; routed by organization, a non-admin's request reads one shard.
   */
  constructor(
    private readonly client: Client,
    private readonly index: string,
    options: { pageSize?: number; telemetryRetention?: TelemetryRetention; clock?: () => Date; eventsIndex?: EventsIndexLayout } = {},
  ) {
    this.layout = options.eventsIndex ?? DEFAULT_EVENTS_LAYOUT;
    this.pageSize = options.pageSize ?? COMPOSITE_PAGE_SIZE;
    this.telemetry = options.telemetryRetention;
    this.clock = options.clock ?? (() => new Date());
  }

  private async aggregate<A>(request: estypes.SearchRequest, what: string, scope: ReadScope): Promise<{ total: number; aggs: A }> {
    try {
      request = { ...request, ...searchRouting(this.layout, scope) };
      const hidden = telemetryHidden(this.telemetry, this.clock().getTime());
      if (hidden.length > 0) request = { ...request, query: { bool: { filter: request.query ? [request.query] : [], must_not: hidden } } };
      const r = await this.client.search<unknown, Record<string, estypes.AggregationsAggregate>>(request);
      const total = typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
      return { total, aggs: (r.aggregations ?? {}) as unknown as A };
    } catch (e) {
      throw translateEsError(e, what);
    }
  }

  /** Pages a composite aggregation to its end: exact however many keys there are. */
  private async allPages<B>(first: Composite<B>, next: (after: AfterKey) => Promise<Composite<B>>, pageSize: number): Promise<B[]> {
    const out = [...first.buckets];
    let page = first;
    while (page.after_key && page.buckets.length >= pageSize) {
      page = await next(page.after_key);
      out.push(...page.buckets);
    }
    return out;
  }

  private async pagedComposite<B>(
    build: (after?: AfterKey) => estypes.SearchRequest,
    name: string,
    what: string,
    scope: ReadScope,
    pageSize = this.pageSize,
  ): Promise<B[]> {
    const page = async (after?: AfterKey) => (await this.aggregate<Record<string, Composite<B>>>(build(after), what, scope)).aggs[name];
    return this.allPages(await page(), (after) => page(after), pageSize);
  }

  async extent(filter: EventFilter, scope: ReadScope): Promise<Extent> {
    const { total, aggs } = await this.aggregate<{ first: ValueAgg; last: ValueAgg }>(
      extentRequest(this.index, filter, scope),
      'extent',
      scope,
    );
    return { count: total, first: total > 0 ? aggs.first.value : null, last: total > 0 ? aggs.last.value : null };
  }

  async statistics(filter: EventFilter, scope: ReadScope, timeZone: string): Promise<EventStatisticsData> {
    const { total, aggs } = await this.aggregate<StatisticsAggs>(
      statisticsRequest(this.index, filter, scope, timeZone, this.pageSize),
      'statistics',
      scope,
    );
    const keys = async (name: 'byOrganization' | 'byUser'): Promise<KeyCount[]> => {
      const next = async (after: AfterKey) =>
        (await this.aggregate<StatisticsAggs>(keyPageRequest(this.index, filter, scope, name, after, this.pageSize), 'statistics', scope))
          .aggs[name];
      const buckets = await this.allPages(aggs[name], next, this.pageSize);
      return buckets.map((b) => ({ key: keyText(b.key.key), count: b.doc_count }));
    };
    const [byOrganization, byUser] = await Promise.all([keys('byOrganization'), keys('byUser')]);
    const series = (h: Histogram): CountBucket[] => h.buckets.map((b) => ({ start: b.key, count: b.doc_count }));
    return { total, byHour: series(aggs.byHour), byDay: series(aggs.byDay), byOrganization, byUser };
  }

  async trends(filter: EventFilter, scope: ReadScope, interval: Interval, timeZone: string): Promise<CountBucket[]> {
    const { aggs } = await this.aggregate<{ trends: Histogram }>(
      trendsRequest(this.index, filter, scope, interval, timeZone),
      'trends',
      scope,
    );
    return aggs.trends.buckets.map((b) => ({ start: b.key, count: b.doc_count }));
  }

  async paymentVolume(filter: EventFilter, scope: ReadScope, interval: Interval, timeZone: string): Promise<CurrencySeries[]> {
    // Each currency carries the whole series: size pages so one request stays within the bucket budget.
    const seriesLength =
      filter.from && filter.to ? countBuckets(filter.from.getTime(), filter.to.getTime(), interval, timeZone) : MAX_BUCKETS;
    const pageSize = Math.max(1, Math.min(this.pageSize, Math.floor(REQUEST_BUCKET_BUDGET / (seriesLength + 1))));
    const buckets = await this.pagedComposite<VolumeBucket>(
      (after) => paymentVolumeRequest(this.index, filter, scope, interval, timeZone, pageSize, after),
      'currencies',
      'payment volume',
      scope,
      pageSize,
    );
    return buckets.map((b) => {
      const currency = keyText(b.key.key);
      return {
        currency,
        count: b.doc_count,
        sumMinor: exactSum(b.volume, `${currency} payments`),
        buckets: b.series.buckets.map((s) => ({ start: s.key, count: s.doc_count, sumMinor: exactSum(s.volume, `${currency} payments`) })),
      };
    });
  }

  async refunds(filter: EventFilter, scope: ReadScope): Promise<RefundFigures[]> {
    const buckets = await this.pagedComposite<RefundBucket>(
      (after) => refundsRequest(this.index, filter, scope, after, this.pageSize),
      'currencies',
      'refunds',
      scope,
    );
    return buckets.map((b) => {
      const currency = keyText(b.key.key);
      return { currency, processed: moneySum(b.processed, `${currency} payments`), refunded: moneySum(b.refunded, `${currency} refunds`) };
    });
  }

  async billingTotals(filter: EventFilter, scope: ReadScope): Promise<BillingFigures[]> {
    const buckets = await this.pagedComposite<BillingBucket>(
      (after) => billingTotalsRequest(this.index, filter, scope, after, this.pageSize),
      'totals',
      'billing totals',
      scope,
    );
    return buckets.map((b) => {
      const what = `${keyText(b.key.currency)} invoices`;
      return {
        organizationId: keyText(b.key.organizationId),
        period: keyText(b.key.period),
        currency: keyText(b.key.currency),
        issued: moneySum(b.issued, what),
        voided: moneySum(b.voided, what),
        paid: moneySum(b.paid, what),
      };
    });
  }

  async workflowSteps(filter: EventFilter, scope: ReadScope): Promise<WorkflowFigures> {
    const page = (after?: AfterKey) =>
      this.aggregate<WorkflowAggs>(workflowStepsRequest(this.index, filter, scope, after, this.pageSize), 'workflow steps', scope);
    const first = await page();
    const buckets = await this.allPages(
      first.aggs.steps.stepKinds,
      async (after) => (await page(after)).aggs.steps.stepKinds,
      this.pageSize,
    );
    return {
      steps: buckets.map((b) => ({
        stepKind: keyText(b.key.key),
        completed: b.completed.doc_count,
        failed: b.failed.doc_count,
        durationMs: durationFigures(b.completed),
      })),
      workflows: { completed: first.aggs.workflows.doc_count, durationMs: durationFigures(first.aggs.workflows) },
    };
  }
}
