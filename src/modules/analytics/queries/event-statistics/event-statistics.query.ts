import { Query } from '@nestjs/cqrs';

export interface EventStatistics {
  total: number;
  /** Hours holding events: `2024-12-19T10:00:00Z`, or `2024-12-19T11:00:00+01:00` in a time zone. */
  byHour: Record<string, number>;
  /** Days holding events, `2024-12-19`, in the time zone. */
  byDay: Record<string, number>;
  byOrganization: Record<string, number>;
  byUser: Record<string, number>;
}

export interface EventStatisticsParams {
  eventType?: string;
  aggregateType?: string;
  /** ISO 8601 date or date-time (see parseBound). */
  from?: string;
  to?: string;
  /** IANA zone; UTC when absent. */
  timeZone?: string;
}

export class EventStatisticsQuery extends Query<EventStatistics> {
  constructor(readonly params: EventStatisticsParams) {
    super();
  }
}
