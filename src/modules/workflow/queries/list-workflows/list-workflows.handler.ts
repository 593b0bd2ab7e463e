import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { readModelList } from '../../../../common/read-models/keyset-page';
import { WORKFLOWS_READ_MODEL, workflowSummary, type WorkflowDocument } from '../../projections/workflows.projection';
import { ListWorkflowsQuery, type WorkflowPage } from './list-workflows.query';

/** The caller's organization's workflows, newest first, by status and creation time. */
@QueryHandler(ListWorkflowsQuery)
export class ListWorkflowsHandler implements IQueryHandler<ListWorkflowsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListWorkflowsQuery): Promise<WorkflowPage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    return readModelList(
      this.readModels,
      WORKFLOWS_READ_MODEL,
      { filter, range: filters.range, size: filters.size, cursor: filters.cursor, minPosition: filters.minPosition },
      (d: WorkflowDocument) => {
        const { steps: _steps, ...summary } = workflowSummary(d);
        return summary;
      },
    );
  }
}
