import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { VoidInvoiceCommand } from './void-invoice.command';

@CommandHandler(VoidInvoiceCommand)
export class VoidInvoiceHandler implements ICommandHandler<VoidInvoiceCommand, AppendResult> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: VoidInvoiceCommand): Promise<AppendResult> {
    // Re-run on a conflict: a payment applied meanwhile makes the void refused, never silently lost.
    const { result } = await this.invoices.execute(
      c.invoiceId,
      { kind: 'VoidInvoice', invoiceId: c.invoiceId, reason: c.reason },
      { commandId: c.commandId, retryOnConflict: true },
    );
    return result as AppendResult;
  }
}
