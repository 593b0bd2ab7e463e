import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { EVENT_STORE, type EventStore } from '@gyroscops/event-store';
import { ProjectionsModule } from '@gyroscops/projections';
import { ProjectionsAdminModule } from '../projections/projections.module';
import { CancelWorkflowHandler } from './commands/cancel-workflow/cancel-workflow.handler';
import { CompleteStepHandler } from './commands/complete-step/complete-step.handler';
import { FailStepHandler } from './commands/fail-step/fail-step.handler';
import { ResumeWorkflowHandler } from './commands/resume-workflow/resume-workflow.handler';
import { RetryStepHandler } from './commands/retry-step/retry-step.handler';
import { StartWorkflowHandler } from './commands/start-workflow/start-workflow.handler';
import { workflowDecider } from './domain/workflow.decider';
import { workflowsProjection } from './projections/workflows.projection';
import { GetWorkflowHandler } from './queries/get-workflow/get-workflow.handler';
import { ListWorkflowsHandler } from './queries/list-workflows/list-workflows.handler';
import { ReplayWorkflowHandler } from './queries/replay-workflow/replay-workflow.handler';
import { WorkflowHistoryHandler } from './queries/workflow-history/workflow-history.handler';
import { ResumeAfterPaymentSaga } from './sagas/resume-after-payment.saga';
import { WorkflowController } from './workflow.controller';
import { WORKFLOW_CLOCK, WORKFLOW_REPOSITORY } from './workflow.tokens';

/** Workflow instances: commands over the event store, the `workflows` read model, and the resume-after-payment saga. */
@Module({
  // The projections engine (read models, saga runners) is a dependency: Nest keeps one instance of
  // ProjectionsAdminModule however many modules import it.
  imports: [
    CqrsModule,
    ProjectionsAdminModule,
    ProjectionsModule.forFeature({ projections: [workflowsProjection], sagas: [ResumeAfterPaymentSaga] }),
  ],
  controllers: [WorkflowController],
  providers: [
    {
      provide: WORKFLOW_REPOSITORY,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventSourcedRepository(store, workflowDecider, { snapshotEvery: 50 }),
    },
    { provide: WORKFLOW_CLOCK, useValue: () => new Date() },
    StartWorkflowHandler,
    CompleteStepHandler,
    FailStepHandler,
    RetryStepHandler,
    CancelWorkflowHandler,
    ResumeWorkflowHandler,
    GetWorkflowHandler,
    ListWorkflowsHandler,
    WorkflowHistoryHandler,
    ReplayWorkflowHandler,
    ResumeAfterPaymentSaga,
  ],
})
export class WorkflowModule {}
