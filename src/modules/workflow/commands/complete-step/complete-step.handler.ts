import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import type { AppendResult } from '@gyroscops/event-store';
import { WORKFLOW_CLOCK, WORKFLOW_REPOSITORY, type Clock, type WorkflowRepository } from '../../workflow.tokens';
import { CompleteStepCommand } from './complete-step.command';

@CommandHandler(CompleteStepCommand)
export class CompleteStepHandler implements ICommandHandler<CompleteStepCommand, AppendResult> {
  constructor(
    @Inject(WORKFLOW_REPOSITORY) private readonly workflows: WorkflowRepository,
    @Inject(WORKFLOW_CLOCK) private readonly clock: Clock,
  ) {}

  async execute(c: CompleteStepCommand): Promise<AppendResult> {
    // Safe to re-run on a conflict: the state machine decides again on the newer state.
    const { result } = await this.workflows.execute(
      c.workflowId,
      { kind: 'CompleteStep', workflowId: c.workflowId, stepId: c.stepId, output: c.output, now: c.now ?? this.clock() },
      { commandId: c.commandId, retryOnConflict: true },
    );
    return result as AppendResult;
  }
}
