import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

/** Sent by the resume saga once the invoice billing a provision-resource step is paid. */
export class ResumeWorkflowCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly workflowId: string,
    readonly stepId: string,
    readonly invoiceId: string,
    readonly paymentId?: string,
    /** The decision's clock; the handler's clock when absent. */
    readonly now?: Date,
  ) {
    super();
  }
}
