import { setup } from '../../testing/workflow-handler-harness';

const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '9.90', currency: 'EUR' };

describe('CompleteStep through DecideWorkflowHandler against the in-memory store', () => {
  it('measures the step from the moment it became current with the injected clock', async () => {
    const { run, decide, tick, start, events } = setup();
    await start('wf-1');
    tick(1500);
    await run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-1', stepId: 'plan', output: { approved: true } }));
    tick(250);
    await run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-1', stepId: 'vm', output: vmOutput }));
    const [, plan, vm] = await events('wf-1');
    expect(plan.eventData).toMatchObject({ stepId: 'plan', stepKind: 'manual', durationMs: 1500, status: 'running', nextStepId: 'vm' });
    expect(vm.eventData).toMatchObject({
      stepId: 'vm',
      stepKind: 'provision-resource',
      durationMs: 250,
      status: 'awaiting_payment',
      output: vmOutput,
    });
  });

  it('lets exactly one of concurrent completions of a step through; the others get WORKFLOW.STEP_ALREADY_COMPLETED', async () => {
    const { run, decide, start, events } = setup();
    await start('wf-2');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-2', stepId: 'plan', output: {} }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WORKFLOW.STEP_ALREADY_COMPLETED' });
    expect(await events('wf-2')).toHaveLength(2);
  });

  it('refuses a step out of order with WORKFLOW.STEP_OUT_OF_ORDER and an unknown workflow with WORKFLOW.NOT_FOUND', async () => {
    const { run, decide, start } = setup();
    await start('wf-3');
    await expect(run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-3', stepId: 'notify', output: {} }))).rejects.toMatchObject({
      code: 'WORKFLOW.STEP_OUT_OF_ORDER',
    });
    await expect(run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-x', stepId: 'plan', output: {} }))).rejects.toMatchObject({
      code: 'WORKFLOW.NOT_FOUND',
      httpStatus: 404,
    });
  });
});
