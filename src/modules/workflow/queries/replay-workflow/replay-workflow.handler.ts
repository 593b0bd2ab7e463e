import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { workflowView } from '../../domain/workflow.decider';
import { WorkflowErrors } from '../../domain/workflow.errors';
import { WORKFLOW_REPOSITORY, type WorkflowRepository } from '../../workflow.tokens';
import { ReplayWorkflowQuery, type WorkflowReplay } from './replay-workflow.query';

/** The workflow rebuilt from its events as of a version or a moment. */
@QueryHandler(ReplayWorkflowQuery)
export class ReplayWorkflowHandler implements IQueryHandler<ReplayWorkflowQuery> {
  constructor(@Inject(WORKFLOW_REPOSITORY) private readonly workflows: WorkflowRepository) {}

  async execute({ workflowId, version, at }: ReplayWorkflowQuery): Promise<WorkflowReplay> {
    const loaded = await this.workflows.load(workflowId, { toVersion: version, at });
    if (loaded.version === 0) throw at ? WorkflowErrors.notFoundAt(workflowId, at) : WorkflowErrors.notFound(workflowId);
    return { ...workflowView(loaded.state), version: loaded.version, asOf: loaded.lastEvent?.timestamp ?? null };
  }
}
