import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { RequestContextStore } from '@gyroscops/context';
import { DomainError } from '@gyroscops/ddd';
import { StreamDeletedError, StreamNotFoundError } from '@gyroscops/event-store';
import { INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { openInvoiceId } from '../../domain/open-invoice';
import { INVOICE_CONFLICTS } from '../decide-invoice/decide-invoice.handler';
import { BillProvisionedResourceCommand, type BilledLine } from './bill-provisioned-resource.command';

/** How many closed invoices of one period and currency are walked past before giving up. */
export const MAX_INVOICES_PER_PERIOD = 100;
/** Why an invoice of the sequence is not the open one: the line goes to the next. */
const CLOSED = new Set(['INVOICE.ALREADY_ISSUED', 'INVOICE.VOIDED', 'INVOICE.TOO_MANY_LINES']);

@CommandHandler(BillProvisionedResourceCommand)
export class BillProvisionedResourceHandler implements ICommandHandler<BillProvisionedResourceCommand, BilledLine> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: BillProvisionedResourceCommand): Promise<BilledLine> {
    const { organizationId } = RequestContextStore.require();
    for (let n = 1; n <= MAX_INVOICES_PER_PERIOD; n++) {
      const invoiceId = openInvoiceId(organizationId, c.period, c.currency, n);
      try {
        // One command id across the walk: nothing is appended for a closed invoice, and a redelivered command
        // finds the line wherever the first run put it (the repository answers the first result).
        const { result } = await this.invoices.execute(
          invoiceId,
          {
            kind: 'AddInvoiceLine',
            invoiceId,
            line: { ...c.line, currency: c.currency },
            openIfMissing: { period: c.period, currency: c.currency },
          },
          { commandId: c.commandId, conflict: INVOICE_CONFLICTS.AddInvoiceLine },
        );
        return { invoiceId: result?.aggregateId ?? invoiceId, lineId: c.line.lineId, result };
      } catch (e) {
        if (e instanceof DomainError && e.code === 'INVOICE.DUPLICATE_LINE') return { invoiceId, lineId: c.line.lineId, result: null };
        if (e instanceof DomainError && CLOSED.has(e.code)) continue;
        // An id this organization can never write: another organization's stream under it (ids are global to the
        // store, and these are predictable), or a hard-deleted invoice. The line goes to the next invoice.
        if (e instanceof StreamNotFoundError || e instanceof StreamDeletedError) continue;
        throw e;
      }
    }
    throw new DomainError(
      'INVOICE.NO_OPEN_INVOICE',
      `No open invoice for ${c.period} ${c.currency} among the first ${MAX_INVOICES_PER_PERIOD}`,
      409,
    );
  }
}
