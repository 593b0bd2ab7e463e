import { Query } from '@nestjs/cqrs';
import type { HistoryEntry } from '@gyroscops/ddd';

export class WorkflowHistoryQuery extends Query<{ workflowId: string; history: HistoryEntry[] }> {
  constructor(readonly workflowId: string) {
    super();
  }
}
