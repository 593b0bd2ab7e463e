import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { IssueInvoiceCommand } from './issue-invoice.command';

@CommandHandler(IssueInvoiceCommand)
export class IssueInvoiceHandler implements ICommandHandler<IssueInvoiceCommand, AppendResult> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: IssueInvoiceCommand): Promise<AppendResult> {
    // Re-run on a conflict: a line that landed meanwhile is part of what gets issued, a second issue is refused.
    const { result } = await this.invoices.execute(
      c.invoiceId,
      { kind: 'IssueInvoice', invoiceId: c.invoiceId },
      { commandId: c.commandId, retryOnConflict: true },
    );
    return result as AppendResult;
  }
}
