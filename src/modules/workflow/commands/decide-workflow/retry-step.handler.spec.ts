import { setup } from '../../testing/workflow-handler-harness';

describe('RetryStep through DecideWorkflowHandler against the in-memory store', () => {
  it('retries a failed step once: concurrent retries of one failure give one new attempt', async () => {
    const { run, decide, tick, start, events } = setup();
    await start('wf-1');
    await run(() => decide({ kind: 'FailStep', workflowId: 'wf-1', stepId: 'plan', error: 'boom' }));
    tick(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () => run(() => decide({ kind: 'RetryStep', workflowId: 'wf-1', stepId: 'plan' }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WORKFLOW.STEP_NOT_FAILED' });
    expect((await events('wf-1')).at(-1)?.eventData).toMatchObject({ attempt: 2, durationMs: 1000, status: 'running' });
  });
});
