import { setup } from '../../testing/workflow-handler-harness';

const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '9.90', currency: 'EUR' };

describe('ResumeWorkflow through DecideWorkflowHandler against the in-memory store', () => {
  it('resumes a workflow waiting for payment at the given moment; the next step becomes actionable', async () => {
    const { run, decide, start, events } = setup();
    await start('wf-1');
    const complete = (stepId: string, output: object) => run(() => decide({ kind: 'CompleteStep', workflowId: 'wf-1', stepId, output }));
    await complete('plan', {});
    await complete('vm', vmOutput);
    await expect(complete('notify', {})).rejects.toMatchObject({ code: 'WORKFLOW.AWAITING_PAYMENT' });
    const paidAt = new Date('2026-11-01T10:05:00.000Z');
    await run(() =>
      decide({ kind: 'ResumeWorkflow', workflowId: 'wf-1', stepId: 'vm', invoiceId: 'inv-1', paymentId: 'pay-1', now: paidAt }),
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
