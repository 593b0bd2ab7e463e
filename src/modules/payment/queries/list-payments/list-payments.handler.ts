import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { readModelList } from '../../../../common/read-models/keyset-page';
import { PAYMENTS_READ_MODEL, paymentSummary, type PaymentDocument } from '../../projections/payments.projection';
import { ListPaymentsQuery, type PaymentPage } from './list-payments.query';

/** The caller's organization's payments, newest first (keyset pages on the creation position, past 10,000 results). */
@QueryHandler(ListPaymentsQuery)
export class ListPaymentsHandler implements IQueryHandler<ListPaymentsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListPaymentsQuery): Promise<PaymentPage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    if (filters.currency) filter.currency = filters.currency;
    if (filters.invoiceId) filter.invoiceId = filters.invoiceId;
    return readModelList<PaymentDocument, ReturnType<typeof paymentSummary>>(
      this.readModels,
      PAYMENTS_READ_MODEL,
      { filter, range: filters.range, size: filters.size, cursor: filters.cursor, minPosition: filters.minPosition },
      paymentSummary,
    );
  }
}
