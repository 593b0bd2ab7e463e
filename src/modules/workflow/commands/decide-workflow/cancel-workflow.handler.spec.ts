import { setup } from '../../testing/workflow-handler-harness';

describe('CancelWorkflow through DecideWorkflowHandler against the in-memory store', () => {
  it('cancels, then refuses anything more with WORKFLOW.CANCELLED', async () => {
    const { run, decide, start, events } = setup();
    await start('wf-1');
    await run(() => decide({ kind: 'CancelWorkflow', workflowId: 'wf-1', reason: 'customer left' }));
    expect((await events('wf-1')).at(-1)).toMatchObject({
      eventType: 'WorkflowCancelled',
      eventData: { reason: 'customer left', previousStatus: 'running' },
    });
    await expect(run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-1', stepId: 'plan', output: {} }))).rejects.toMatchObject({
      code: 'WORKFLOW.CANCELLED',
    });
    await expect(run(() => decide({ kind: 'CancelWorkflow', workflowId: 'wf-1' }))).rejects.toMatchObject({
      code: 'WORKFLOW.CANCELLED',
    });
  });
});
