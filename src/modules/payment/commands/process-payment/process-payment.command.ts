import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class ProcessPaymentCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly paymentId: string,
    readonly amount: unknown,
    readonly currency: unknown,
    readonly invoiceId?: string,
    readonly description?: string,
  ) {
    super();
  }
}
