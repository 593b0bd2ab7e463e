import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { parseWindow } from '../../domain/time-buckets';
import { SearchEventDataQuery, type EventDataPage } from './search-event-data.query';

/** Free text and filters over every event the caller may read, newest first; the cursor pages past 10,000 hits. */
@QueryHandler(SearchEventDataQuery)
export class SearchEventDataHandler implements IQueryHandler<SearchEventDataQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ params }: SearchEventDataQuery): Promise<EventDataPage> {
    const window = parseWindow({ from: params.from, to: params.to, timeZone: params.timeZone });
    if (window.empty) return { total: 0, events: [], nextCursor: null };
    const page = await this.store.search(
      {
        q: params.q,
        aggregateType: params.aggregateType,
        eventType: params.eventType,
        from: window.from,
        to: window.to,
        cursor: params.cursor,
        size: params.size,
        sort: 'desc',
      },
      readScopeOf(),
    );
    return { total: page.total, events: page.events, nextCursor: page.nextCursor };
  }
}
