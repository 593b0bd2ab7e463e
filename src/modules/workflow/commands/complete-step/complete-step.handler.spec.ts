import { randomUUID } from 'node:crypto';
import { CompleteStepCommand } from './complete-step.command';
import { CompleteStepHandler } from './complete-step.handler';
import { setup } from '../../testing/workflow-handler-harness';

const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '9.90', currency: 'EUR' };

describe('CompleteStepHandler against the in-memory store', () => {
  it('measures the step from the moment it became current with the injected clock', async () => {
    const { run, repo, clock, tick, start, events } = setup();
    await start('wf-1');
    tick(1500);
    await run(() =>
      new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-1', 'plan', { approved: true })),
    );
    tick(250);
    await run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-1', 'vm', vmOutput)));
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
    const { run, repo, clock, start, events } = setup();
    await start('wf-2');
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () =>
        run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-2', 'plan', {}))),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WORKFLOW.STEP_ALREADY_COMPLETED' });
    expect(await events('wf-2')).toHaveLength(2);
  });

  it('refuses a step out of order with WORKFLOW.STEP_OUT_OF_ORDER and an unknown workflow with WORKFLOW.NOT_FOUND', async () => {
    const { run, repo, clock, start } = setup();
    await start('wf-3');
    await expect(
      run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-3', 'notify', {}))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.STEP_OUT_OF_ORDER',
    });
    await expect(
      run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-x', 'plan', {}))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.NOT_FOUND',
      httpStatus: 404,
    });
  });
});
