import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { CreateInvoiceCommand } from './create-invoice.command';

@CommandHandler(CreateInvoiceCommand)
export class CreateInvoiceHandler implements ICommandHandler<CreateInvoiceCommand, AppendResult> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: CreateInvoiceCommand): Promise<AppendResult> {
    // Retried on a conflict so that a concurrent creation answers INVOICE.ALREADY_EXISTS, not a bare conflict.
    const { result } = await this.invoices.execute(
      c.invoiceId,
      { kind: 'CreateInvoice', invoiceId: c.invoiceId, period: c.period, currency: c.currency },
      { commandId: c.commandId, retryOnConflict: true },
    );
    return result as AppendResult;
  }
}
