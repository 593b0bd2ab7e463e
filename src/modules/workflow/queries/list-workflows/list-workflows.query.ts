import { Query } from '@nestjs/cqrs';
import type { ReadModelListPage } from '../../../../common/read-models/keyset-page';
import type { TimeRange } from '../../../../common/time/time-bound';
import type { WorkflowStatus } from '../../domain/workflow.events';
import type { WorkflowSummary } from '../../projections/workflows.projection';

export type WorkflowPage = ReadModelListPage<Omit<WorkflowSummary, 'steps'>>;

export interface WorkflowFilters {
  status?: WorkflowStatus;
  /** On the creation time. */
  range: TimeRange;
  size?: number;
  cursor?: string;
  minPosition?: number;
}

export class ListWorkflowsQuery extends Query<WorkflowPage> {
  constructor(readonly filters: WorkflowFilters) {
    super();
  }
}
