import { Query } from '@nestjs/cqrs';
import type { WorkflowSummary } from '../../projections/workflows.projection';

export class GetWorkflowQuery extends Query<WorkflowSummary> {
  constructor(
    readonly workflowId: string,
    /** Read-your-writes: wait until the read model has applied this global position. */
    readonly minPosition?: number,
  ) {
    super();
  }
}
