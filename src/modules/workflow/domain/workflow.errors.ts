import { DomainError } from '@gyroscops/ddd';

export class WorkflowError extends DomainError {}

export const WorkflowErrors = {
  notFound: (id: string) => new WorkflowError('WORKFLOW.NOT_FOUND', `Workflow ${id} not found`, 404),
  notFoundAt: (id: string, at: Date) => new WorkflowError('WORKFLOW.NOT_FOUND', `Workflow ${id} did not exist at ${at.toISOString()}`, 404),
  alreadyStarted: (id: string) => new WorkflowError('WORKFLOW.ALREADY_STARTED', `Workflow ${id} has already been started`, 409),
  invalidSteps: (message: string, field = 'steps') => new WorkflowError('WORKFLOW.INVALID_STEPS', message, 400, [{ field, message }]),
  invalidOutput: (message: string, field = 'output') => new WorkflowError('WORKFLOW.INVALID_OUTPUT', message, 400, [{ field, message }]),
  invalidError: (message: string) => new WorkflowError('WORKFLOW.INVALID_ERROR', message, 400, [{ field: 'error', message }]),
  stepNotFound: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.STEP_NOT_FOUND', `Workflow ${id} has no step ${stepId}`, 404, { stepId }),
  stepOutOfOrder: (id: string, stepId: string, currentStepId: string) =>
    new WorkflowError('WORKFLOW.STEP_OUT_OF_ORDER', `Step ${stepId} of workflow ${id} is not current: ${currentStepId} comes first`, 409, {
      stepId,
      currentStepId,
    }),
  stepAlreadyCompleted: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.STEP_ALREADY_COMPLETED', `Step ${stepId} of workflow ${id} is already completed`, 409, { stepId }),
  stepFailed: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.STEP_FAILED', `Step ${stepId} of workflow ${id} has failed: retry it or cancel the workflow`, 409, {
      stepId,
    }),
  stepNotFailed: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.STEP_NOT_FAILED', `Step ${stepId} of workflow ${id} has not failed`, 409, { stepId }),
  awaitingPayment: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.AWAITING_PAYMENT', `Workflow ${id} waits for the invoice of step ${stepId} to be paid`, 409, { stepId }),
  notAwaitingPayment: (id: string, stepId: string) =>
    new WorkflowError('WORKFLOW.NOT_AWAITING_PAYMENT', `Workflow ${id} is not waiting for the payment of step ${stepId}`, 409, { stepId }),
  cancelled: (id: string) => new WorkflowError('WORKFLOW.CANCELLED', `Workflow ${id} is cancelled`, 409),
  completed: (id: string) => new WorkflowError('WORKFLOW.COMPLETED', `Workflow ${id} is completed`, 409),
};
