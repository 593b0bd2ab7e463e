import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels } from '@gyroscops/projections';
import { InvoiceErrors } from '../../domain/invoice.errors';
import { INVOICES_READ_MODEL, invoiceSummary, type InvoiceDocument, type InvoiceSummary } from '../../projections/invoices.projection';
import { GetInvoiceQuery } from './get-invoice.query';

/** An invoice from the read model (the caller's organization only). */
@QueryHandler(GetInvoiceQuery)
export class GetInvoiceHandler implements IQueryHandler<GetInvoiceQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ invoiceId, minPosition }: GetInvoiceQuery): Promise<InvoiceSummary> {
    const doc = await this.readModels.findById<InvoiceDocument>(INVOICES_READ_MODEL, invoiceId, { minPosition });
    if (!doc) throw InvoiceErrors.notFound(invoiceId);
    return invoiceSummary(doc);
  }
}
