import { Command } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';

export class StartWorkflowCommand extends Command<AppendResult> {
  constructor(
    readonly commandId: string,
    readonly workflowId: string,
    readonly steps: unknown,
    readonly name?: string,
    /** The decision's clock; the handler's clock when absent. */
    readonly now?: Date,
  ) {
    super();
  }
}
