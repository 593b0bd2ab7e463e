import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { WORKFLOWS_READ_MODEL, workflowSummary, type WorkflowDocument } from '../../projections/workflows.projection';
import { ListWorkflowsQuery, type WorkflowPage } from './list-workflows.query';

/** The caller's organization's workflows, newest first, by status. */
@QueryHandler(ListWorkflowsQuery)
export class ListWorkflowsHandler implements IQueryHandler<ListWorkflowsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListWorkflowsQuery): Promise<WorkflowPage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    const size = filters.size ?? 50;
    const from = filters.from ?? 0;
    const page = await this.readModels.search<WorkflowDocument>(
      WORKFLOWS_READ_MODEL,
      { filter, sort: [{ createdPosition: 'desc' }], size, from },
      { minPosition: filters.minPosition },
    );
    return {
      total: page.total,
      items: page.items.map((d) => {
        const { steps: _steps, ...summary } = workflowSummary(d);
        return summary;
      }),
      next: from + page.items.length < page.total ? from + page.items.length : null,
    };
  }
}
