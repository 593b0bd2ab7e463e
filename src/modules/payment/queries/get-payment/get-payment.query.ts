import { Query } from '@nestjs/cqrs';
import type { PaymentSummary } from '../../projections/payments.projection';

export class GetPaymentQuery extends Query<PaymentSummary> {
  constructor(
    readonly paymentId: string,
    readonly minPosition?: number,
  ) {
    super();
  }
}
