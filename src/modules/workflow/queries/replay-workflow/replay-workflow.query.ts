import { Query } from '@nestjs/cqrs';
import type { workflowView } from '../../domain/workflow.decider';

export type WorkflowReplay = ReturnType<typeof workflowView> & { version: number; asOf: string | null };

export class ReplayWorkflowQuery extends Query<WorkflowReplay> {
  constructor(
    readonly workflowId: string,
    readonly version?: number,
    readonly at?: Date,
  ) {
    super();
  }
}
