import { setup } from '../../testing/workflow-handler-harness';

describe('FailStep through DecideWorkflowHandler against the in-memory store', () => {
  it('records the failure with its duration, then refuses another with WORKFLOW.STEP_FAILED', async () => {
    const { run, decide, tick, start, events } = setup();
    await start('wf-1');
    tick(42);
    await run(() => decide({ kind: 'FailStep', workflowId: 'wf-1', stepId: 'plan', error: { message: 'quota exceeded', code: 'Q1' } }));
    expect((await events('wf-1'))[1].eventData).toMatchObject({
      stepKind: 'manual',
      durationMs: 42,
      error: { message: 'quota exceeded', code: 'Q1' },
      status: 'failed',
    });
    await expect(run(() => decide({ kind: 'FailStep', workflowId: 'wf-1', stepId: 'plan', error: 'again' }))).rejects.toMatchObject({
      code: 'WORKFLOW.STEP_FAILED',
    });
  });
});
