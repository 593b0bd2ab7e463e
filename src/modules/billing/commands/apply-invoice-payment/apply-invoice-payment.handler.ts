import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { CONFLICT_ATTEMPTS, INVOICE_REPOSITORY, type InvoiceRepository } from '../../billing.tokens';
import { ApplyInvoicePaymentCommand } from './apply-invoice-payment.command';

@CommandHandler(ApplyInvoicePaymentCommand)
export class ApplyInvoicePaymentHandler implements ICommandHandler<ApplyInvoicePaymentCommand, AppendResult | null> {
  constructor(@Inject(INVOICE_REPOSITORY) private readonly invoices: InvoiceRepository) {}

  async execute(c: ApplyInvoicePaymentCommand): Promise<AppendResult | null> {
    // Concurrent payments of one invoice are re-decided on the newer state: running sums stay exact.
    const { result } = await this.invoices.execute(
      c.invoiceId,
      { kind: 'ApplyInvoicePayment', invoiceId: c.invoiceId, paymentId: c.paymentId, amount: c.amount, currency: c.currency },
      { commandId: c.commandId, retryOnConflict: true, maxAttempts: CONFLICT_ATTEMPTS },
    );
    return result;
  }
}
