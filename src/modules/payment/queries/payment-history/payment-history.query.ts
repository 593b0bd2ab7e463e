import { Query } from '@nestjs/cqrs';
import type { HistoryEntry } from '../../payment.views';

export class PaymentHistoryQuery extends Query<{ paymentId: string; history: HistoryEntry[] }> {
  constructor(readonly paymentId: string) {
    super();
  }
}
