import { Query } from '@nestjs/cqrs';
import type { ReadModelListPage } from '../../../../common/read-models/keyset-page';
import type { TimeRange } from '../../../../common/time/time-bound';
import type { PaymentSummary } from '../../projections/payments.projection';

export type PaymentPage = ReadModelListPage<PaymentSummary>;

export class ListPaymentsQuery extends Query<PaymentPage> {
  constructor(
    readonly filters: {
      status?: string;
      currency?: string;
      invoiceId?: string;
      /** On the creation time. */
      range: TimeRange;
      size?: number;
      cursor?: string;
      minPosition?: number;
    },
  ) {
    super();
  }
}
