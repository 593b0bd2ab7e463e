import { replay } from '@gyroscops/ddd';
import { givenWhenThen } from '@gyroscops/ddd/testing';
import { TRANSITIONS, workflowDecider, workflowView, type WorkflowCommand } from './workflow.decider';
import type { WorkflowEvent } from './workflow.events';

const given = givenWhenThen(workflowDecider);

const id = 'wf-1';
const t0 = new Date('2026-11-01T10:00:00.000Z');
const at = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const steps = [
  { id: 'plan', name: 'Plan', kind: 'manual' },
  { id: 'vm', name: 'Provision VM', kind: 'provision-resource' },
  { id: 'notify', name: 'Notify', kind: 'notification' },
];
const vmOutput = { resourceType: 'vm', resourceId: 'vm-42', quantity: 2, unitPrice: '12.50', currency: 'EUR' };

const start = (s: unknown = steps): WorkflowCommand => ({ kind: 'StartWorkflow', workflowId: id, name: 'Onboard', steps: s, now: t0 });
const complete = (stepId: string, seconds: number, output: unknown = { ok: true }): WorkflowCommand => ({
  kind: 'CompleteStep',
  workflowId: id,
  stepId,
  output,
  now: at(seconds),
});
const fail = (stepId: string, seconds: number, error: unknown = { message: 'boom', code: 'E1' }): WorkflowCommand => ({
  kind: 'FailStep',
  workflowId: id,
  stepId,
  error,
  now: at(seconds),
});
const retry = (stepId: string, seconds: number): WorkflowCommand => ({ kind: 'RetryStep', workflowId: id, stepId, now: at(seconds) });
const cancel = (seconds: number, reason?: string): WorkflowCommand => ({
  kind: 'CancelWorkflow',
  workflowId: id,
  reason,
  now: at(seconds),
});
const resume = (stepId: string, seconds: number): WorkflowCommand => ({
  kind: 'ResumeWorkflow',
  workflowId: id,
  stepId,
  invoiceId: 'inv-1',
  paymentId: 'pay-1',
  now: at(seconds),
});

function history(...commands: WorkflowCommand[]): WorkflowEvent[] {
  return commands.reduce<WorkflowEvent[]>((events, c) => [...events, ...workflowDecider.decide(c, replay(workflowDecider, events))], []);
}

const started = history(start());
const planned = history(start(), complete('plan', 5));
const awaiting = history(start(), complete('plan', 5), complete('vm', 65, vmOutput));
const failed = history(start(), fail('plan', 3));
const cancelled = history(start(), cancel(1));
const done = history(start(), complete('plan', 5), complete('vm', 65, vmOutput), resume('vm', 100), complete('notify', 101));

describe('WorkflowInstance decider', () => {
  describe('when starting', () => {
    it('records WorkflowStarted with the ordered steps and the first one current', () => {
      given([])
        .when(start())
        .then([
          {
            type: 'WorkflowStarted',
            data: {
              workflowId: id,
              name: 'Onboard',
              steps,
              status: 'running',
              currentStepId: 'plan',
              stepKind: 'manual',
              at: t0.toISOString(),
            },
          },
        ]);
    });
    it.each([
      ['no steps', []],
      ['not a list', 'plan'],
      ['a step without kind', [{ id: 'a', name: 'A' }]],
      ['an id with a slash', [{ id: 'a/b', name: 'A', kind: 'x' }]],
      ['an upper-case kind', [{ id: 'a', name: 'A', kind: 'Provision' }]],
      [
        'twice the same id',
        [
          { id: 'a', name: 'A', kind: 'x' },
          { id: 'a', name: 'B', kind: 'x' },
        ],
      ],
      ['an empty name', [{ id: 'a', name: ' ', kind: 'x' }]],
      ['101 steps', Array.from({ length: 101 }, (_, i) => ({ id: `s${i}`, name: 'S', kind: 'x' }))],
    ])('refuses %s with WORKFLOW.INVALID_STEPS', (_label, s) => {
      given([]).when(start(s)).thenError('WORKFLOW.INVALID_STEPS');
    });
    it('refuses a second start with WORKFLOW.ALREADY_STARTED, even once cancelled or completed', () => {
      given(started).when(start()).thenError('WORKFLOW.ALREADY_STARTED');
      given(cancelled).when(start()).thenError('WORKFLOW.ALREADY_STARTED');
      given(done).when(start()).thenError('WORKFLOW.ALREADY_STARTED');
    });
  });

  describe('when completing steps', () => {
    it('records the step with its kind and the time since it became current, and makes the next one current', () => {
      given(started)
        .when(complete('plan', 5, { approved: true }))
        .then([
          {
            type: 'WorkflowStepCompleted',
            data: {
              stepId: 'plan',
              stepName: 'Plan',
              stepKind: 'manual',
              output: { approved: true },
              durationMs: 5000,
              attempt: 1,
              status: 'running',
              nextStepId: 'vm',
            },
          },
        ]);
      given(planned)
        .when(complete('vm', 65, vmOutput))
        .then([{ type: 'WorkflowStepCompleted', data: { stepKind: 'provision-resource', durationMs: 60000 } }]);
    });
    it('refuses a step out of order with WORKFLOW.STEP_OUT_OF_ORDER', () => {
      given(started).when(complete('notify', 1)).thenError('WORKFLOW.STEP_OUT_OF_ORDER');
    });
    it('refuses a completed step with WORKFLOW.STEP_ALREADY_COMPLETED and an unknown one with WORKFLOW.STEP_NOT_FOUND', () => {
      given(planned).when(complete('plan', 6)).thenError('WORKFLOW.STEP_ALREADY_COMPLETED');
      given(planned).when(complete('nope', 6)).thenError('WORKFLOW.STEP_NOT_FOUND');
    });
    it('refuses an output that is not an object with WORKFLOW.INVALID_OUTPUT', () => {
      given(started)
        .when(complete('plan', 1, 'done'))
        .thenError('WORKFLOW.INVALID_OUTPUT');
      given(started)
        .when(complete('plan', 1, [1]))
        .thenError('WORKFLOW.INVALID_OUTPUT');
    });
    it.each([
      ['no resourceType', { ...vmOutput, resourceType: undefined }],
      ['a zero quantity', { ...vmOutput, quantity: 0 }],
      ['a float-trap quantity', { ...vmOutput, quantity: '1e3' }],
      ['an unknown currency', { ...vmOutput, currency: 'EURO' }],
      ['an over-precise unit price', { ...vmOutput, unitPrice: '1.001' }],
      ['a negative unit price', { ...vmOutput, unitPrice: -1 }],
    ])('refuses a provision-resource output with %s with WORKFLOW.INVALID_OUTPUT (it could not be billed)', (_label, output) => {
      given(planned)
        .when(complete('vm', 6, output))
        .thenError('WORKFLOW.INVALID_OUTPUT');
    });
    it('completes the workflow with its last step', () => {
      given(history(start([{ id: 'only', name: 'Only', kind: 'manual' }])))
        .when(complete('only', 30))
        .then([
          { type: 'WorkflowStepCompleted', data: { status: 'completed' } },
          { type: 'WorkflowCompleted', data: { status: 'completed', stepCount: 1, durationMs: 30000 } },
        ]);
    });
    it('refuses any step of a completed workflow with WORKFLOW.COMPLETED', () => {
      given(done).when(complete('notify', 200)).thenError('WORKFLOW.COMPLETED');
      given(done).when(fail('notify', 200)).thenError('WORKFLOW.COMPLETED');
      given(done).when(cancel(200)).thenError('WORKFLOW.COMPLETED');
    });
  });

  describe('when a provision-resource step completes', () => {
    it('waits for the payment of its invoice: the next step is not actionable', () => {
      expect(workflowView(replay(workflowDecider, awaiting))).toMatchObject({
        status: 'awaiting_payment',
        awaitingPaymentFor: 'vm',
        currentStepId: null,
      });
      given(awaiting).when(complete('notify', 70)).thenError('WORKFLOW.AWAITING_PAYMENT');
      given(awaiting).when(fail('notify', 70)).thenError('WORKFLOW.AWAITING_PAYMENT');
    });
    it('goes on when the invoice is paid: WorkflowResumed with the wait, and the next step is current', () => {
      given(awaiting)
        .when(resume('vm', 100))
        .then([
          {
            type: 'WorkflowResumed',
            data: {
              stepId: 'vm',
              stepKind: 'provision-resource',
              invoiceId: 'inv-1',
              paymentId: 'pay-1',
              durationMs: 35000,
              status: 'running',
              nextStepId: 'notify',
            },
          },
        ]);
      const resumed = history(start(), complete('plan', 5), complete('vm', 65, vmOutput), resume('vm', 100));
      expect(workflowView(replay(workflowDecider, resumed))).toMatchObject({ status: 'running', currentStepId: 'notify' });
      given(resumed)
        .when(complete('notify', 110))
        .then([
          { type: 'WorkflowStepCompleted', data: { stepId: 'notify', durationMs: 10000, status: 'completed' } },
          { type: 'WorkflowCompleted', data: { durationMs: 110000 } },
        ]);
    });
    it('completes the workflow on payment when the provisioning was the last step', () => {
      const last = history(start([{ id: 'vm', name: 'VM', kind: 'provision-resource' }]), complete('vm', 1, vmOutput));
      given(last)
        .when(resume('vm', 9))
        .then([
          { type: 'WorkflowResumed', data: { status: 'completed' } },
          { type: 'WorkflowCompleted', data: { durationMs: 9000 } },
        ]);
    });
    it('refuses to resume a workflow that does not wait for that step with WORKFLOW.NOT_AWAITING_PAYMENT', () => {
      given(started).when(resume('vm', 9)).thenError('WORKFLOW.NOT_AWAITING_PAYMENT');
      given(awaiting).when(resume('plan', 9)).thenError('WORKFLOW.NOT_AWAITING_PAYMENT');
      given(history(start(), complete('plan', 5), complete('vm', 65, vmOutput), resume('vm', 100)))
        .when(resume('vm', 101))
        .thenError('WORKFLOW.NOT_AWAITING_PAYMENT');
    });
  });

  describe('when a step fails', () => {
    it('records the error, the kind and the duration; the workflow is failed', () => {
      given(started)
        .when(fail('plan', 3))
        .then([
          {
            type: 'WorkflowStepFailed',
            data: {
              stepId: 'plan',
              stepKind: 'manual',
              error: { message: 'boom', code: 'E1' },
              durationMs: 3000,
              attempt: 1,
              status: 'failed',
            },
          },
        ]);
      given(started)
        .when(fail('plan', 3, 'disk full'))
        .then([{ type: 'WorkflowStepFailed', data: { error: { message: 'disk full' } } }]);
    });
    it('refuses an error without a message with WORKFLOW.INVALID_ERROR', () => {
      given(started)
        .when(fail('plan', 3, { code: 'E1' }))
        .thenError('WORKFLOW.INVALID_ERROR');
    });
    it('refuses to complete or fail a failed step again with WORKFLOW.STEP_FAILED', () => {
      given(failed).when(complete('plan', 4)).thenError('WORKFLOW.STEP_FAILED');
      given(failed).when(fail('plan', 4)).thenError('WORKFLOW.STEP_FAILED');
    });
    it('retries it: a new attempt, the step current again, its next duration counted from the retry', () => {
      given(failed)
        .when(retry('plan', 10))
        .then([{ type: 'WorkflowStepRetried', data: { stepId: 'plan', attempt: 2, durationMs: 7000, status: 'running' } }]);
      given(history(start(), fail('plan', 3), retry('plan', 10)))
        .when(complete('plan', 12))
        .then([{ type: 'WorkflowStepCompleted', data: { attempt: 2, durationMs: 2000 } }]);
    });
    it('refuses to retry a step that has not failed with WORKFLOW.STEP_NOT_FAILED', () => {
      given(started).when(retry('plan', 1)).thenError('WORKFLOW.STEP_NOT_FAILED');
      given(failed).when(retry('vm', 4)).thenError('WORKFLOW.STEP_NOT_FAILED');
      given(failed).when(retry('nope', 4)).thenError('WORKFLOW.STEP_NOT_FOUND');
    });
  });

  describe('when cancelling', () => {
    it.each([
      ['running', started],
      ['failed', failed],
      ['awaiting_payment', awaiting],
    ])('cancels a %s workflow', (status, events) => {
      given(events)
        .when(cancel(20, 'not needed'))
        .then([
          { type: 'WorkflowCancelled', data: { previousStatus: status, reason: 'not needed', status: 'cancelled', durationMs: 20000 } },
        ]);
    });
    it('refuses every command on a cancelled workflow with WORKFLOW.CANCELLED', () => {
      for (const c of [complete('plan', 2), fail('plan', 2), retry('plan', 2), cancel(2), resume('vm', 2)])
        given(cancelled).when(c).thenError('WORKFLOW.CANCELLED');
    });
  });

  describe('on an unknown workflow', () => {
    it('refuses every command but start with WORKFLOW.NOT_FOUND', () => {
      for (const c of [complete('plan', 2), fail('plan', 2), retry('plan', 2), cancel(2), resume('vm', 2)])
        given([]).when(c).thenError('WORKFLOW.NOT_FOUND');
    });
  });

  it('has a transition table where terminal statuses accept nothing', () => {
    expect(TRANSITIONS.completed).toEqual([]);
    expect(TRANSITIONS.cancelled).toEqual([]);
  });
});
