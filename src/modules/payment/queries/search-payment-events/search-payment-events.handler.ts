import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { readScopeOf } from '@gyroscops/ddd';
import { PAYMENT_AGGREGATE } from '../../domain/payment.events';
import { eventResult } from '../../payment.views';
import { SearchPaymentEventsQuery, type PaymentEventsPage } from './search-payment-events.query';

/** Payment events only, newest first, with free text over their data and the common search filters. */
@QueryHandler(SearchPaymentEventsQuery)
export class SearchPaymentEventsHandler implements IQueryHandler<SearchPaymentEventsQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ filters }: SearchPaymentEventsQuery): Promise<PaymentEventsPage> {
    const { range, ...rest } = filters;
    if (range.empty) return { total: 0, results: [], nextCursor: null };
    const page = await this.store.search(
      { aggregateType: PAYMENT_AGGREGATE, sort: 'desc', ...rest, from: range.from, to: range.to },
      readScopeOf(),
    );
    return { total: page.total, results: page.events.map(eventResult), nextCursor: page.nextCursor };
  }
}
