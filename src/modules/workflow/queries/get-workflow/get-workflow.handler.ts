import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels } from '@gyroscops/projections';
import { WorkflowErrors } from '../../domain/workflow.errors';
import { WORKFLOWS_READ_MODEL, workflowSummary, type WorkflowDocument, type WorkflowSummary } from '../../projections/workflows.projection';
import { GetWorkflowQuery } from './get-workflow.query';

/** A workflow from the read model (the caller's organization only). */
@QueryHandler(GetWorkflowQuery)
export class GetWorkflowHandler implements IQueryHandler<GetWorkflowQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ workflowId, minPosition }: GetWorkflowQuery): Promise<WorkflowSummary> {
    const doc = await this.readModels.findById<WorkflowDocument>(WORKFLOWS_READ_MODEL, workflowId, { minPosition });
    if (!doc) throw WorkflowErrors.notFound(workflowId);
    return workflowSummary(doc);
  }
}
