import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { ProjectionsModule } from '@gyroscops/projections';
import { repositoryProvider } from '../../infrastructure/event-store/repository.provider';
import { ProjectionsEngineModule } from '../../infrastructure/projections/projections-engine.module';
import { DecideWorkflowHandler } from './commands/decide-workflow/decide-workflow.handler';
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
  // The projections engine (read models, saga runners) is a dependency.
  imports: [
    CqrsModule,
    ProjectionsEngineModule,
    ProjectionsModule.forFeature({ projections: [workflowsProjection], sagas: [ResumeAfterPaymentSaga] }),
  ],
  controllers: [WorkflowController],
  providers: [
    repositoryProvider(WORKFLOW_REPOSITORY, workflowDecider, { snapshotEvery: 50 }),
    { provide: WORKFLOW_CLOCK, useValue: () => new Date() },
    DecideWorkflowHandler,
    GetWorkflowHandler,
    ListWorkflowsHandler,
    WorkflowHistoryHandler,
    ReplayWorkflowHandler,
    ResumeAfterPaymentSaga,
  ],
})
export class WorkflowModule {}
