import { Query } from '@nestjs/cqrs';
import type { Interval } from '../../domain/time-buckets';

export interface EventTrends {
  interval: Interval;
  /** Every bucket of the range in order, empty ones with 0: `2024-12-19T10:00:00Z`, `2024-12-19`, `2024-W51`, `2024-12`. */
  trends: Record<string, number>;
}

export interface EventTrendsParams {
  eventType?: string;
  aggregateType?: string;
  from?: string;
  to?: string;
  /** hour, day (default), week or month. */
  interval?: string;
  timeZone?: string;
}

export class EventTrendsQuery extends Query<EventTrends> {
  constructor(readonly params: EventTrendsParams) {
    super();
  }
}
