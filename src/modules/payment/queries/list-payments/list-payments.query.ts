import { Query } from '@nestjs/cqrs';
import type { PaymentSummary } from '../../projections/payments.projection';

export interface PaymentPage {
  total: number;
  items: PaymentSummary[];
  nextCursor: string | null;
}

export class ListPaymentsQuery extends Query<PaymentPage> {
  constructor(
    readonly filters: {
      status?: string;
      currency?: string;
      invoiceId?: string;
      from?: Date;
      to?: Date;
      size?: number;
      cursor?: string;
      minPosition?: number;
    },
  ) {
    super();
  }
}
