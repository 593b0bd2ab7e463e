import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DeciderCommandHandler, redecide } from '@gyroscops/ddd';
import type { AppendResult } from '@gyroscops/event-store';
import type { WorkflowCommand, WorkflowState } from '../../domain/workflow.decider';
import type { WorkflowEvent } from '../../domain/workflow.events';
import { WORKFLOW_CLOCK, WORKFLOW_REPOSITORY, type Clock, type WorkflowRepository } from '../../workflow.tokens';
import { DecideWorkflowCommand } from './decide-workflow.command';

/** Every workflow command: load the workflow, decide with the command's clock (else this one), append. */
@CommandHandler(DecideWorkflowCommand)
export class DecideWorkflowHandler
  extends DeciderCommandHandler<WorkflowState, WorkflowCommand, WorkflowEvent>
  implements ICommandHandler<DecideWorkflowCommand>
{
  constructor(
    @Inject(WORKFLOW_REPOSITORY) workflows: WorkflowRepository,
    @Inject(WORKFLOW_CLOCK) private readonly clock: Clock,
  ) {
    super(workflows, {
      streamOf: (command) => command.workflowId,
      // Safe to decide again on a conflict: the state machine decides on the newer state (a step completed
      // meanwhile is refused as WORKFLOW.STEP_ALREADY_COMPLETED, a second start as WORKFLOW.ALREADY_STARTED).
      conflictOf: () => redecide(),
    });
  }

  execute({ commandId, command }: DecideWorkflowCommand): Promise<AppendResult> {
    return this.append({ commandId, command: { ...command, now: command.now ?? this.clock() } });
  }
}
