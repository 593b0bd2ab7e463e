import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { readModelList } from '../../../../common/read-models/keyset-page';
import { INVOICES_READ_MODEL, invoiceSummary, type InvoiceDocument } from '../../projections/invoices.projection';
import { ListInvoicesQuery, type InvoicePage } from './list-invoices.query';

/** The caller's organization's invoices, newest first, filtered by status, period, currency and creation time. */
@QueryHandler(ListInvoicesQuery)
export class ListInvoicesHandler implements IQueryHandler<ListInvoicesQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListInvoicesQuery): Promise<InvoicePage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    if (filters.period) filter.period = filters.period;
    if (filters.currency) filter.currency = filters.currency;
    return readModelList(
      this.readModels,
      INVOICES_READ_MODEL,
      { filter, range: filters.range, size: filters.size, cursor: filters.cursor, minPosition: filters.minPosition },
      // Lines stay on GET /v1/invoices/{id}: a list of invoices is not a list of their lines.
      (d: InvoiceDocument) => {
        const { lines: _lines, ...summary } = invoiceSummary(d);
        return summary;
      },
    );
  }
}
