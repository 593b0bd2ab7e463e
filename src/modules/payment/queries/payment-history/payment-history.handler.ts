import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { readScopeOf } from '@gyroscops/ddd';
import { PAYMENT_AGGREGATE } from '../../domain/payment.events';
import { PaymentErrors } from '../../domain/payment.errors';
import { historyEntry, type HistoryEntry } from '../../payment.views';
import { PaymentHistoryQuery } from './payment-history.query';

@QueryHandler(PaymentHistoryQuery)
export class PaymentHistoryHandler implements IQueryHandler<PaymentHistoryQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ paymentId }: PaymentHistoryQuery): Promise<{ paymentId: string; history: HistoryEntry[] }> {
    const slice = await this.store.readStream(paymentId, readScopeOf()).catch((e: unknown) => {
      throw (e as { code?: string }).code === 'StreamNotFound' ? PaymentErrors.notFound(paymentId) : e;
    });
    if (slice.aggregateType !== PAYMENT_AGGREGATE) throw PaymentErrors.notFound(paymentId);
    return { paymentId, history: slice.events.map(historyEntry) };
  }
}
