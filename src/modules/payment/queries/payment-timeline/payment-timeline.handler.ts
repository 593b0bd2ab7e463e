import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { readScopeOf } from '@gyroscops/ddd';
import { historyEntry } from '../../payment.views';
import { PaymentTimelineQuery } from './payment-timeline.query';

/** Everything that happened under one correlation id (payments and what caused or followed them), oldest first. */
@QueryHandler(PaymentTimelineQuery)
export class PaymentTimelineHandler implements IQueryHandler<PaymentTimelineQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ correlationId }: PaymentTimelineQuery) {
    const events = await this.store.readCorrelation(correlationId, readScopeOf());
    return {
      correlationId,
      timeline: events.map((e) => ({ ...historyEntry(e), aggregateId: e.aggregateId, aggregateType: e.aggregateType })),
    };
  }
}
