import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class RefundPaymentCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly paymentId: string,
    readonly amount: unknown,
    readonly reason?: string,
  ) {
    super();
  }
}
