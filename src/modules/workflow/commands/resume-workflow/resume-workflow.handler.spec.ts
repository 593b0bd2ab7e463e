import { randomUUID } from 'node:crypto';
import { CompleteStepCommand } from '../complete-step/complete-step.command';
import { CompleteStepHandler } from '../complete-step/complete-step.handler';
import { ResumeWorkflowCommand } from './resume-workflow.command';
import { ResumeWorkflowHandler } from './resume-workflow.handler';
import { setup } from '../../testing/workflow-handler-harness';

const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '9.90', currency: 'EUR' };

describe('ResumeWorkflowHandler against the in-memory store', () => {
  it('resumes a workflow waiting for payment at the given moment; the next step becomes actionable', async () => {
    const { run, repo, clock, start, events } = setup();
    await start('wf-1');
    const complete = (stepId: string, output: object) =>
      run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-1', stepId, output)));
    await complete('plan', {});
    await complete('vm', vmOutput);
    await expect(complete('notify', {})).rejects.toMatchObject({ code: 'WORKFLOW.AWAITING_PAYMENT' });
    const paidAt = new Date('2026-11-01T10:05:00.000Z');
    await run(() =>
      new ResumeWorkflowHandler(repo, clock).execute(new ResumeWorkflowCommand(randomUUID(), 'wf-1', 'vm', 'inv-1', 'pay-1', paidAt)),
    );
    expect((await events('wf-1')).at(-1)?.eventData).toMatchObject({
      invoiceId: 'inv-1',
      paymentId: 'pay-1',
      durationMs: 300000,
      nextStepId: 'notify',
      at: paidAt.toISOString(),
    });
    await complete('notify', {});
    expect((await events('wf-1')).at(-1)?.eventType).toBe('WorkflowCompleted');
  });
});
