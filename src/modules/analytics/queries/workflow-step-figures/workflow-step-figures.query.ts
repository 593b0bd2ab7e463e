import { Query } from '@nestjs/cqrs';

export interface StepKindFigures {
  /** Completed + failed. */
  steps: number;
  completed: number;
  failed: number;
  /** failed / steps, 6 decimals; null when no step ended. */
  failureRate: number | null;
  /** Over completed steps: average and percentiles (Elasticsearch's TDigest estimates, exact for small sets). */
  durationMs: { count: number; avg: number | null; p50: number | null; p95: number | null };
}

export interface WorkflowStepFigures {
  stepKinds: Record<string, StepKindFigures>;
}

export interface WorkflowStepFiguresParams {
  from?: string;
  to?: string;
  timeZone?: string;
}

export class WorkflowStepFiguresQuery extends Query<WorkflowStepFigures> {
  constructor(readonly params: WorkflowStepFiguresParams) {
    super();
  }
}
