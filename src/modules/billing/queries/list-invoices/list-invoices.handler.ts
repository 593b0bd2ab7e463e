import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { INVOICES_READ_MODEL, invoiceSummary, type InvoiceDocument } from '../../projections/invoices.projection';
import { ListInvoicesQuery, type InvoicePage } from './list-invoices.query';

/** The caller's organization's invoices, newest first, filtered by status, period and currency. */
@QueryHandler(ListInvoicesQuery)
export class ListInvoicesHandler implements IQueryHandler<ListInvoicesQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListInvoicesQuery): Promise<InvoicePage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    if (filters.period) filter.period = filters.period;
    if (filters.currency) filter.currency = filters.currency;
    const size = filters.size ?? 50;
    const from = filters.from ?? 0;
    const page = await this.readModels.search<InvoiceDocument>(
      INVOICES_READ_MODEL,
      { filter, sort: [{ createdPosition: 'desc' }], size, from },
      { minPosition: filters.minPosition },
    );
    return {
      total: page.total,
      // Lines stay on GET /v1/invoices/{id}: a list of invoices is not a list of their lines.
      items: page.items.map((d) => {
        const { lines: _lines, ...summary } = invoiceSummary(d);
        return summary;
      }),
      next: from + page.items.length < page.total ? from + page.items.length : null,
    };
  }
}
