import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { assertBucketLimit, keyedCounts, parseWindow } from '../../domain/time-buckets';
import { closedRange } from '../closed-range';
import { EventStatisticsQuery, type EventStatistics } from './event-statistics.query';

const byKey = (counts: { key: string; count: number }[]): Record<string, number> => Object.fromEntries(counts.map((c) => [c.key, c.count]));

/** Exact event counts per hour, day, organization and user, from aggregations (no capped terms counts). */
@QueryHandler(EventStatisticsQuery)
export class EventStatisticsHandler implements IQueryHandler<EventStatisticsQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: EventStatisticsQuery): Promise<EventStatistics> {
    const window = parseWindow(params);
    const scope = readScopeOf();
    const range = await closedRange(
      this.reader,
      { eventType: params.eventType, aggregateType: params.aggregateType, from: window.from, to: window.to },
      scope,
    );
    if (!range) return { total: 0, byHour: {}, byDay: {}, byOrganization: {}, byUser: {} };
    // Hours are the finest series asked for: they decide the limit.
    assertBucketLimit(range.from, range.to, 'hour', window.timeZone);
    const data = await this.reader.statistics(range, scope, window.timeZone);
    return {
      total: data.total,
      byHour: keyedCounts(data.byHour, 'hour', window.timeZone),
      byDay: keyedCounts(data.byDay, 'day', window.timeZone),
      byOrganization: byKey(data.byOrganization),
      byUser: byKey(data.byUser),
    };
  }
}
