import { randomUUID } from 'node:crypto';
import { CompleteStepCommand } from '../complete-step/complete-step.command';
import { CompleteStepHandler } from '../complete-step/complete-step.handler';
import { CancelWorkflowCommand } from './cancel-workflow.command';
import { CancelWorkflowHandler } from './cancel-workflow.handler';
import { setup } from '../../testing/workflow-handler-harness';

describe('CancelWorkflowHandler against the in-memory store', () => {
  it('cancels, then refuses anything more with WORKFLOW.CANCELLED', async () => {
    const { run, repo, clock, start, events } = setup();
    await start('wf-1');
    await run(() => new CancelWorkflowHandler(repo, clock).execute(new CancelWorkflowCommand(randomUUID(), 'wf-1', 'customer left')));
    expect((await events('wf-1')).at(-1)).toMatchObject({
      eventType: 'WorkflowCancelled',
      eventData: { reason: 'customer left', previousStatus: 'running' },
    });
    await expect(
      run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-1', 'plan', {}))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.CANCELLED',
    });
    await expect(
      run(() => new CancelWorkflowHandler(repo, clock).execute(new CancelWorkflowCommand(randomUUID(), 'wf-1'))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.CANCELLED',
    });
  });
});
