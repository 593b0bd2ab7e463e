import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import type { CloudResourceRef } from '../../domain/invoice.events';

export class AddInvoiceLineCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly invoiceId: string,
    readonly line: {
      lineId: string;
      description: unknown;
      quantity: unknown;
      unitPrice: unknown;
      currency?: unknown;
      cloudResource?: CloudResourceRef;
    },
  ) {
    super();
  }
}
