import { Query } from '@nestjs/cqrs';
import type { DurationFigures } from '../../analytics.port';

export interface StepKindFigures {
  /** Completed + failed. */
  steps: number;
  completed: number;
  failed: number;
  /** failed / steps (attempts: a retried step may fail more than once), 6 decimals; null when no step ended. */
  failureRate: number | null;
  /** Over completed steps: average and percentiles (Elasticsearch's TDigest estimates, exact for small sets). */
  durationMs: DurationFigures;
}

export interface WorkflowStepFigures {
  stepKinds: Record<string, StepKindFigures>;
  /** Completed workflows and their durations from start to completion. */
  workflows: { completed: number; durationMs: DurationFigures };
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
