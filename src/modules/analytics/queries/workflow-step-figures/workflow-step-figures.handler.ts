import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { readScopeOf } from '@gyroscops/ddd';
import { ANALYTICS_READER, type AnalyticsReader } from '../../analytics.port';
import { ratio } from '../../domain/figures';
import { parseWindow } from '../../domain/time-buckets';
import { WorkflowStepFiguresQuery, type WorkflowStepFigures } from './workflow-step-figures.query';

/** Step durations (average, p50, p95) and failure rate per step kind. */
@QueryHandler(WorkflowStepFiguresQuery)
export class WorkflowStepFiguresHandler implements IQueryHandler<WorkflowStepFiguresQuery> {
  constructor(@Inject(ANALYTICS_READER) private readonly reader: AnalyticsReader) {}

  async execute({ params }: WorkflowStepFiguresQuery): Promise<WorkflowStepFigures> {
    const window = parseWindow(params);
    if (window.empty) {
      return { stepKinds: {}, workflows: { completed: 0, durationMs: { count: 0, avg: null, p50: null, p95: null } } };
    }
    const figures = await this.reader.workflowSteps({ from: window.from, to: window.to }, readScopeOf());
    const stepKinds = figures.steps.map((f): [string, WorkflowStepFigures['stepKinds'][string]] => {
      const steps = f.completed + f.failed;
      return [
        f.stepKind,
        { steps, completed: f.completed, failed: f.failed, failureRate: ratio(f.failed, steps), durationMs: f.durationMs },
      ];
    });
    return { stepKinds: Object.fromEntries(stepKinds), workflows: figures.workflows };
  }
}
