import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class FailStepCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly workflowId: string,
    readonly stepId: string,
    readonly error: unknown,
    /** The decision's clock; the handler's clock when absent. */
    readonly now?: Date,
  ) {
    super();
  }
}
