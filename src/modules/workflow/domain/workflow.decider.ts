import { DomainError, type Decider } from '@gyroscops/ddd';
import { WorkflowErrors } from './workflow.errors';
import {
  PROVISION_RESOURCE,
  WORKFLOW_AGGREGATE,
  type StepError,
  type WorkflowEvent,
  type WorkflowStatus,
  type WorkflowStep,
} from './workflow.events';
import { validError, validOutput, validSteps } from './workflow.validation';

type JsonObject = { [key: string]: unknown };

export interface StepRecord {
  attempt: number;
  output?: JsonObject;
  error?: StepError;
}

export interface WorkflowState {
  exists: boolean;
  workflowId: string;
  name?: string;
  steps: WorkflowStep[];
  status: WorkflowStatus | 'none';
  /** Index of the current step (`steps.length` once all are completed). */
  current: number;
  /** Attempts, outputs and errors per step id. */
  records: Record<string, StepRecord>;
  startedAt: string;
  /** When the current step became current (or was retried): step durations count from here. */
  stepSince: string;
  /** When the workflow entered its current status (failed, awaiting_payment): how long it stayed there. */
  statusSince: string;
  /** The provision-resource step whose invoice must be paid before the workflow goes on. */
  awaitingStepId?: string;
  resumedBy?: { stepId: string; invoiceId: string; paymentId?: string }[];
  cancelReason?: string;
}

export type WorkflowCommand =
  | { kind: 'StartWorkflow'; workflowId: string; name?: string; steps: unknown; now: Date }
  | { kind: 'CompleteStep'; workflowId: string; stepId: string; output: unknown; now: Date }
  | { kind: 'FailStep'; workflowId: string; stepId: string; error: unknown; now: Date }
  | { kind: 'RetryStep'; workflowId: string; stepId: string; now: Date }
  | { kind: 'CancelWorkflow'; workflowId: string; reason?: string; now: Date }
  /** From the payment saga: the invoice billing `stepId` is paid. */
  | { kind: 'ResumeWorkflow'; workflowId: string; stepId: string; invoiceId: string; paymentId?: string; now: Date };

type Kind = WorkflowCommand['kind'];

/**
 * The state machine: which commands each status accepts. Anything else is refused with the code that says
 * why (a cancelled or completed workflow, a failed step to retry first, a payment to wait for, …).
 */
export const TRANSITIONS: Record<WorkflowState['status'], readonly Kind[]> = {
  none: ['StartWorkflow'],
  running: ['CompleteStep', 'FailStep', 'CancelWorkflow'],
  failed: ['RetryStep', 'CancelWorkflow'],
  awaiting_payment: ['ResumeWorkflow', 'CancelWorkflow'],
  completed: [],
  cancelled: [],
};

export const initialWorkflowState = (): WorkflowState => ({
  exists: false,
  workflowId: '',
  steps: [],
  status: 'none',
  current: 0,
  records: {},
  startedAt: '',
  stepSince: '',
  statusSince: '',
});

const record = (state: WorkflowState, stepId: string, patch: Partial<StepRecord>): Record<string, StepRecord> => ({
  ...state.records,
  [stepId]: { ...(state.records[stepId] ?? { attempt: 1 }), ...patch },
});

export function evolveWorkflow(state: WorkflowState, event: WorkflowEvent): WorkflowState {
  switch (event.type) {
    case 'WorkflowStarted': {
      const d = event.data;
      return {
        ...initialWorkflowState(),
        exists: true,
        workflowId: d.workflowId,
        ...(d.name ? { name: d.name } : {}),
        steps: d.steps,
        status: 'running',
        records: { [d.steps[0].id]: { attempt: 1 } },
        startedAt: d.at,
        stepSince: d.at,
        statusSince: d.at,
      };
    }
    case 'WorkflowStepCompleted': {
      const d = event.data;
      const next = state.current + 1;
      const records = record(state, d.stepId, { output: d.output, error: undefined });
      if (d.nextStepId && d.status === 'running') records[d.nextStepId] = { attempt: 1 };
      return {
        ...state,
        records,
        current: next,
        status: d.status,
        stepSince: d.at,
        statusSince: d.at,
        awaitingStepId: d.status === 'awaiting_payment' ? d.stepId : undefined,
      };
    }
    case 'WorkflowStepFailed':
      return {
        ...state,
        status: 'failed',
        statusSince: event.data.at,
        records: record(state, event.data.stepId, { error: event.data.error }),
      };
    case 'WorkflowStepRetried':
      return {
        ...state,
        status: 'running',
        stepSince: event.data.at,
        statusSince: event.data.at,
        records: record(state, event.data.stepId, { attempt: event.data.attempt, error: undefined }),
      };
    case 'WorkflowResumed': {
      const d = event.data;
      const records = { ...state.records };
      if (d.nextStepId) records[d.nextStepId] = { attempt: 1 };
      return {
        ...state,
        records,
        status: d.status,
        stepSince: d.at,
        statusSince: d.at,
        awaitingStepId: undefined,
        resumedBy: [
          ...(state.resumedBy ?? []),
          { stepId: d.stepId, invoiceId: d.invoiceId, ...(d.paymentId ? { paymentId: d.paymentId } : {}) },
        ],
      };
    }
    case 'WorkflowCompleted':
      return { ...state, status: 'completed', statusSince: event.data.at };
    case 'WorkflowCancelled':
      return {
        ...state,
        status: 'cancelled',
        statusSince: event.data.at,
        ...(event.data.reason ? { cancelReason: event.data.reason } : {}),
      };
    default:
      return state;
  }
}

const since = (from: string, now: Date) => Math.max(0, now.getTime() - Date.parse(from));
/** Refuses a command the current status does not accept, with the code that explains why. */
function refuse(state: WorkflowState, command: WorkflowCommand): DomainError {
  const id = command.workflowId;
  const stepId = state.steps[state.current]?.id ?? state.awaitingStepId ?? '';
  switch (state.status) {
    case 'none':
      return WorkflowErrors.notFound(id);
    case 'cancelled':
      return command.kind === 'StartWorkflow' ? WorkflowErrors.alreadyStarted(id) : WorkflowErrors.cancelled(id);
    case 'completed':
      return command.kind === 'StartWorkflow' ? WorkflowErrors.alreadyStarted(id) : WorkflowErrors.completed(id);
    default:
      if (command.kind === 'StartWorkflow') return WorkflowErrors.alreadyStarted(id);
      if (command.kind === 'ResumeWorkflow') return WorkflowErrors.notAwaitingPayment(id, command.stepId);
      if (state.status === 'awaiting_payment') return WorkflowErrors.awaitingPayment(id, state.awaitingStepId ?? '');
      if (state.status === 'failed') return WorkflowErrors.stepFailed(id, stepId);
      return WorkflowErrors.stepNotFailed(id, 'stepId' in command ? command.stepId : stepId);
  }
}

/** The step a command names must be the current one. */
function currentStep(state: WorkflowState, workflowId: string, stepId: string): WorkflowStep {
  const index = state.steps.findIndex((s) => s.id === stepId);
  if (index < 0) throw WorkflowErrors.stepNotFound(workflowId, stepId);
  if (index < state.current) throw WorkflowErrors.stepAlreadyCompleted(workflowId, stepId);
  if (index > state.current) throw WorkflowErrors.stepOutOfOrder(workflowId, stepId, state.steps[state.current].id);
  return state.steps[index];
}

/** The workflow after a step is done: the next step is current, or it was the last. */
function goOn(
  state: WorkflowState,
  workflowId: string,
  now: Date,
  index: number,
): { status: 'running' | 'completed'; nextStepId?: string; completed?: WorkflowEvent } {
  const next = state.steps[index + 1];
  if (next) return { status: 'running', nextStepId: next.id };
  return {
    status: 'completed',
    completed: {
      type: 'WorkflowCompleted',
      data: {
        workflowId,
        stepCount: state.steps.length,
        durationMs: since(state.startedAt, now),
        at: now.toISOString(),
        status: 'completed',
      },
    },
  };
}

export function decideWorkflow(command: WorkflowCommand, state: WorkflowState): WorkflowEvent[] {
  if (!TRANSITIONS[state.status].includes(command.kind)) throw refuse(state, command);
  const { workflowId, now } = command;
  const at = now.toISOString();
  switch (command.kind) {
    case 'StartWorkflow': {
      const steps = validSteps(command.steps);
      const name = typeof command.name === 'string' && command.name.trim() !== '' ? command.name.slice(0, 200) : undefined;
      return [
        {
          type: 'WorkflowStarted',
          data: {
            workflowId,
            ...(name ? { name } : {}),
            steps,
            status: 'running',
            currentStepId: steps[0].id,
            stepKind: steps[0].kind,
            at,
          },
        },
      ];
    }
    case 'CompleteStep': {
      const step = currentStep(state, workflowId, command.stepId);
      const output = validOutput(step, command.output);
      const base = {
        workflowId,
        stepId: step.id,
        stepName: step.name,
        stepKind: step.kind,
        output,
        attempt: state.records[step.id]?.attempt ?? 1,
        durationMs: since(state.stepSince, now),
        at,
      };
      // A provisioned resource is billed by a saga; the workflow waits for that invoice to be paid.
      if (step.kind === PROVISION_RESOURCE) return [{ type: 'WorkflowStepCompleted', data: { ...base, status: 'awaiting_payment' } }];
      const after = goOn(state, workflowId, now, state.current);
      return [
        {
          type: 'WorkflowStepCompleted',
          data: { ...base, status: after.status, ...(after.nextStepId ? { nextStepId: after.nextStepId } : {}) },
        },
        ...(after.completed ? [after.completed] : []),
      ];
    }
    case 'FailStep': {
      const step = currentStep(state, workflowId, command.stepId);
      const error = validError(command.error);
      return [
        {
          type: 'WorkflowStepFailed',
          data: {
            workflowId,
            stepId: step.id,
            stepName: step.name,
            stepKind: step.kind,
            error,
            attempt: state.records[step.id]?.attempt ?? 1,
            durationMs: since(state.stepSince, now),
            at,
            status: 'failed',
          },
        },
      ];
    }
    case 'RetryStep': {
      const step = state.steps[state.current];
      if (command.stepId !== step.id) {
        if (!state.steps.some((s) => s.id === command.stepId)) throw WorkflowErrors.stepNotFound(workflowId, command.stepId);
        throw WorkflowErrors.stepNotFailed(workflowId, command.stepId);
      }
      return [
        {
          type: 'WorkflowStepRetried',
          data: {
            workflowId,
            stepId: step.id,
            stepName: step.name,
            stepKind: step.kind,
            attempt: (state.records[step.id]?.attempt ?? 1) + 1,
            durationMs: since(state.statusSince, now),
            at,
            status: 'running',
          },
        },
      ];
    }
    case 'ResumeWorkflow': {
      if (command.stepId !== state.awaitingStepId) throw WorkflowErrors.notAwaitingPayment(workflowId, command.stepId);
      const index = state.steps.findIndex((s) => s.id === command.stepId);
      const after = goOn(state, workflowId, now, index);
      return [
        {
          type: 'WorkflowResumed',
          data: {
            workflowId,
            stepId: command.stepId,
            stepKind: state.steps[index].kind,
            invoiceId: command.invoiceId,
            ...(command.paymentId ? { paymentId: command.paymentId } : {}),
            durationMs: since(state.statusSince, now),
            at,
            status: after.status,
            ...(after.nextStepId ? { nextStepId: after.nextStepId } : {}),
          },
        },
        ...(after.completed ? [after.completed] : []),
      ];
    }
    case 'CancelWorkflow': {
      const step = state.steps[state.current];
      return [
        {
          type: 'WorkflowCancelled',
          data: {
            workflowId,
            ...(command.reason ? { reason: command.reason } : {}),
            previousStatus: state.status as WorkflowStatus,
            ...(step ? { stepId: step.id, stepKind: step.kind } : {}),
            durationMs: since(state.startedAt, now),
            at,
            status: 'cancelled',
          },
        },
      ];
    }
  }
}

export const workflowDecider: Decider<WorkflowState, WorkflowCommand, WorkflowEvent> = {
  aggregateType: WORKFLOW_AGGREGATE,
  initialState: initialWorkflowState,
  evolve: evolveWorkflow,
  decide: decideWorkflow,
};

type StepStatus = 'pending' | 'current' | 'failed' | 'completed';

/** The public view of a workflow (replays and the read model share its shape). */
export function workflowView(state: WorkflowState) {
  const stepStatus = (i: number): StepStatus => {
    if (i < state.current) return 'completed';
    if (i > state.current) return 'pending';
    if (state.status === 'failed') return 'failed';
    return state.status === 'running' ? 'current' : 'pending';
  };
  return {
    workflowId: state.workflowId,
    ...(state.name ? { name: state.name } : {}),
    status: state.status,
    currentStepId: state.status === 'running' || state.status === 'failed' ? (state.steps[state.current]?.id ?? null) : null,
    ...(state.awaitingStepId ? { awaitingPaymentFor: state.awaitingStepId } : {}),
    startedAt: state.startedAt,
    steps: state.steps.map((s, i) => {
      const r = state.records[s.id];
      return {
        id: s.id,
        name: s.name,
        kind: s.kind,
        status: stepStatus(i),
        ...(r ? { attempt: r.attempt } : {}),
        ...(r?.output ? { output: r.output } : {}),
        ...(r?.error ? { error: r.error } : {}),
      };
    }),
    ...(state.resumedBy ? { resumedBy: state.resumedBy } : {}),
    ...(state.cancelReason ? { cancelReason: state.cancelReason } : {}),
  };
}
