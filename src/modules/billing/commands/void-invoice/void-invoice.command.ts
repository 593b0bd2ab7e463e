import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class VoidInvoiceCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly invoiceId: string,
    readonly reason?: string,
  ) {
    super();
  }
}
