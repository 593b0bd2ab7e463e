import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { assertBucketLimit, keyedCounts, parseInterval, parseWindow } from '../../domain/time-buckets';
import { closedRange } from '../closed-range';
import { EventTrendsQuery, type EventTrends } from './event-trends.query';

/** Event counts per calendar interval from a date histogram: ordered buckets, empty ones included. */
@QueryHandler(EventTrendsQuery)
export class EventTrendsHandler implements IQueryHandler<EventTrendsQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: EventTrendsQuery): Promise<EventTrends> {
    const interval = parseInterval(params.interval);
    const window = parseWindow(params);
    const scope = readScopeOf();
    const range = await closedRange(
      this.reader,
      { eventType: params.eventType, aggregateType: params.aggregateType, from: window.from, to: window.to },
      scope,
    );
    if (!range) return { interval, trends: {} };
    assertBucketLimit(range.from, range.to, interval, window.timeZone);
    const buckets = await this.reader.trends(range, scope, interval, window.timeZone);
    return { interval, trends: keyedCounts(buckets, interval, window.timeZone) };
  }
}
