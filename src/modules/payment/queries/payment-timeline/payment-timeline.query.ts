import { Query } from '@nestjs/cqrs';
import type { HistoryEntry } from '../../payment.views';

export class PaymentTimelineQuery extends Query<{
  correlationId: string;
  timeline: (HistoryEntry & { aggregateId: string; aggregateType: string })[];
}> {
  constructor(readonly correlationId: string) {
    super();
  }
}
