import { randomUUID } from 'node:crypto';
import { steps, setup } from '../../testing/workflow-handler-harness';

describe('StartWorkflow through DecideWorkflowHandler against the in-memory store', () => {
  it('records WorkflowStarted with the caller, the correlation, the command as causation and the clock', async () => {
    const { run, decide, events } = setup();
    const commandId = randomUUID();
    const r = await run(() => decide({ kind: 'StartWorkflow', workflowId: 'wf-1', steps, name: 'Onboard' }, commandId));
    expect(r.version).toBe(1);
    expect((await events('wf-1'))[0]).toMatchObject({
      aggregateType: 'Workflow',
      eventType: 'WorkflowStarted',
      eventData: { workflowId: 'wf-1', name: 'Onboard', currentStepId: 'plan', at: '2026-11-01T10:00:00.000Z' },
      correlationId: 'corr-1',
      causationId: commandId,
      metadata: { userId: 'alice', organizationId: 'org-a', source: 'api' },
    });
  });

  it('answers a repeated command with the first result and refuses another start with WORKFLOW.ALREADY_STARTED', async () => {
    const { run, decide, start, events } = setup();
    const commandId = randomUUID();
    const first = await run(() => decide({ kind: 'StartWorkflow', workflowId: 'wf-2', steps }, commandId));
    const again = await run(() => decide({ kind: 'StartWorkflow', workflowId: 'wf-2', steps }, commandId));
    expect(again.position).toBe(first.position);
    await expect(start('wf-2')).rejects.toMatchObject({ code: 'WORKFLOW.ALREADY_STARTED' });
    expect(await events('wf-2')).toHaveLength(1);
  });
});
