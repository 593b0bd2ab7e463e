import { Query } from '@nestjs/cqrs';
import type { WorkflowStatus } from '../../domain/workflow.events';
import type { WorkflowSummary } from '../../projections/workflows.projection';

export interface WorkflowPage {
  total: number;
  items: Omit<WorkflowSummary, 'steps'>[];
  /** Offset of the next page, or null on the last. */
  next: number | null;
}

export interface WorkflowFilters {
  status?: WorkflowStatus;
  size?: number;
  from?: number;
  minPosition?: number;
}

export class ListWorkflowsQuery extends Query<WorkflowPage> {
  constructor(readonly filters: WorkflowFilters) {
    super();
  }
}
