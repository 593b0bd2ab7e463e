import { Query } from '@nestjs/cqrs';
import type { StoredEvent } from '@gyroscops/event-store';

export interface EventDataPage {
  /** Exact number of matches. */
  total: number;
  events: StoredEvent[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface SearchEventDataParams {
  q?: string;
  aggregateType?: string;
  eventType?: string;
  from?: string;
  to?: string;
  /** Zone of from/to given as dates or wall-clock times; UTC when absent. */
  timeZone?: string;
  cursor?: string;
  size?: number;
}

export class SearchEventDataQuery extends Query<EventDataPage> {
  constructor(readonly params: SearchEventDataParams) {
    super();
  }
}
