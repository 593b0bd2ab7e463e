import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { invoiceView } from '../../domain/invoice.decider';
import { InvoiceErrors } from '../../domain/invoice.errors';
import { ReplayInvoiceQuery, type InvoiceReplay } from './replay-invoice.query';

/** The invoice rebuilt from its events as of a version or a moment: the audit trail as a debugger. */
@QueryHandler(ReplayInvoiceQuery)
export class ReplayInvoiceHandler implements IQueryHandler<ReplayInvoiceQuery> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute({ invoiceId, version, at }: ReplayInvoiceQuery): Promise<InvoiceReplay> {
    const loaded = await this.invoices.load(invoiceId, { toVersion: version, at });
    if (loaded.version === 0) throw at ? InvoiceErrors.notFoundAt(invoiceId, at) : InvoiceErrors.notFound(invoiceId);
    return { ...invoiceView(loaded.state), version: loaded.version, asOf: loaded.lastEvent?.timestamp ?? null };
  }
}
