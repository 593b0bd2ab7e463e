import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class CreateInvoiceCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly invoiceId: string,
    readonly period: unknown,
    readonly currency: unknown,
  ) {
    super();
  }
}
