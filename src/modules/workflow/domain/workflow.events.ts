import type { DomainEvent } from '@gyroscops/ddd';

export const WORKFLOW_AGGREGATE = 'Workflow';

/** The step kind whose completion bills a resource; the workflow then waits until that invoice is paid. */
export const PROVISION_RESOURCE = 'provision-resource';

export type WorkflowStatus = 'running' | 'failed' | 'awaiting_payment' | 'completed' | 'cancelled';

export interface WorkflowStep {
  id: string;
  name: string;
  kind: string;
  [key: string]: unknown;
}

export interface StepError {
  message: string;
  code?: string;
  [key: string]: unknown;
}

type JsonObject = { [key: string]: unknown };

// Every event carries `at` (the decision's clock, from the command) so the pure decider can measure durations;
// step events carry `stepKind` and `durationMs` for analytics.

export type WorkflowStarted = DomainEvent<
  'WorkflowStarted',
  { workflowId: string; name?: string; steps: WorkflowStep[]; status: 'running'; currentStepId: string; stepKind: string; at: string }
>;

/** `status` is the workflow's after the step: running (next step current), awaiting_payment or completed. */
export type WorkflowStepCompleted = DomainEvent<
  'WorkflowStepCompleted',
  {
    workflowId: string;
    stepId: string;
    stepName: string;
    stepKind: string;
    output: JsonObject;
    attempt: number;
    /** From the moment the step became current (or was retried) to its completion. */
    durationMs: number;
    at: string;
    status: 'running' | 'awaiting_payment' | 'completed';
    nextStepId?: string;
  }
>;

export type WorkflowStepFailed = DomainEvent<
  'WorkflowStepFailed',
  {
    workflowId: string;
    stepId: string;
    stepName: string;
    stepKind: string;
    error: StepError;
    attempt: number;
    durationMs: number;
    at: string;
    status: 'failed';
  }
>;

/** `durationMs`: how long the step stayed failed. */
export type WorkflowStepRetried = DomainEvent<
  'WorkflowStepRetried',
  {
    workflowId: string;
    stepId: string;
    stepName: string;
    stepKind: string;
    attempt: number;
    durationMs: number;
    at: string;
    status: 'running';
  }
>;

/** The invoice billing a provision-resource step is paid: the workflow goes on. `durationMs`: the wait for payment. */
export type WorkflowResumed = DomainEvent<
  'WorkflowResumed',
  {
    workflowId: string;
    stepId: string;
    stepKind: string;
    invoiceId: string;
    paymentId?: string;
    durationMs: number;
    at: string;
    status: 'running' | 'completed';
    nextStepId?: string;
  }
>;

/** `durationMs`: from start to completion. */
export type WorkflowCompleted = DomainEvent<
  'WorkflowCompleted',
  { workflowId: string; stepCount: number; durationMs: number; at: string; status: 'completed' }
>;

export type WorkflowCancelled = DomainEvent<
  'WorkflowCancelled',
  {
    workflowId: string;
    reason?: string;
    previousStatus: WorkflowStatus;
    stepId?: string;
    stepKind?: string;
    durationMs: number;
    at: string;
    status: 'cancelled';
  }
>;

export type WorkflowEvent =
  | WorkflowStarted
  | WorkflowStepCompleted
  | WorkflowStepFailed
  | WorkflowStepRetried
  | WorkflowResumed
  | WorkflowCompleted
  | WorkflowCancelled;

export const WORKFLOW_EVENT_TYPES: WorkflowEvent['type'][] = [
  'WorkflowStarted',
  'WorkflowStepCompleted',
  'WorkflowStepFailed',
  'WorkflowStepRetried',
  'WorkflowResumed',
  'WorkflowCompleted',
  'WorkflowCancelled',
];
