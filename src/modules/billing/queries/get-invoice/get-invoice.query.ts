import { Query } from '@nestjs/cqrs';
import type { InvoiceSummary } from '../../projections/invoices.projection';

export class GetInvoiceQuery extends Query<InvoiceSummary> {
  constructor(
    readonly invoiceId: string,
    /** Read-your-writes: wait until the read model has applied this global position. */
    readonly minPosition?: number,
  ) {
    super();
  }
}
