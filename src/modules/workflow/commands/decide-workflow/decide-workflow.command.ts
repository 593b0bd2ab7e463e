import { Command } from '@nestjs/cqrs';
import { deciderCommandName, type DeciderCommandMessage } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { WorkflowCommand } from '../../domain/workflow.decider';

/** A workflow command whose clock may be left out: the handler's clock decides it then. */
export type WorkflowCommandInput = WorkflowCommand extends infer C
  ? C extends { now: Date }
    ? Omit<C, 'now'> & { now?: Date }
    : never
  : never;

/** A command of the workflow decider on the command bus; metrics and traces name it after the command (`StartWorkflowCommand`). */
export class DecideWorkflowCommand extends Command<AppendResult> implements DeciderCommandMessage<WorkflowCommandInput> {
  constructor(
    readonly commandId: string,
    readonly command: WorkflowCommandInput,
  ) {
    super();
  }

  get commandName(): string {
    return deciderCommandName(this.command);
  }
}
