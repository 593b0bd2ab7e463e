import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { CONFLICT_ATTEMPTS, INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { AddInvoiceLineCommand } from './add-invoice-line.command';

@CommandHandler(AddInvoiceLineCommand)
export class AddInvoiceLineHandler implements ICommandHandler<AddInvoiceLineCommand, AppendResult> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: AddInvoiceLineCommand): Promise<AppendResult> {
    // Safe to re-run on a conflict: status, duplicates and totals are checked again against the newer state.
    const { result } = await this.invoices.execute(
      c.invoiceId,
      { kind: 'AddInvoiceLine', invoiceId: c.invoiceId, line: c.line },
      { commandId: c.commandId, retryOnConflict: true, maxAttempts: CONFLICT_ATTEMPTS },
    );
    return result as AppendResult;
  }
}
