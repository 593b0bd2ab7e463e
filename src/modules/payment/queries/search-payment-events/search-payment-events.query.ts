import { Query } from '@nestjs/cqrs';
import type { TimeRange } from '../../../../common/time/time-bound';
import type { EventResult } from '../../payment.views';

export interface PaymentEventsPage {
  total: number;
  results: EventResult[];
  nextCursor: string | null;
}

export class SearchPaymentEventsQuery extends Query<PaymentEventsPage> {
  constructor(readonly filters: { range: TimeRange; eventType?: string; q?: string; size?: number; cursor?: string }) {
    super();
  }
}
