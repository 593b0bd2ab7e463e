import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

/** Sent by the invoice-payment saga for a PaymentProcessed naming an invoice. Null when the payment was already looked at. */
export class ApplyInvoicePaymentCommand extends Command<AppendResult | null> {
  constructor(
    readonly commandId: string,
    readonly invoiceId: string,
    readonly paymentId: string,
    readonly amount: unknown,
    readonly currency: unknown,
  ) {
    super();
  }
}
