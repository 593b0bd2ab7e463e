import { randomUUID } from 'node:crypto';
import { StartWorkflowCommand } from './start-workflow.command';
import { StartWorkflowHandler } from './start-workflow.handler';
import { steps, setup } from '../../testing/workflow-handler-harness';

describe('StartWorkflowHandler against the in-memory store', () => {
  it('records WorkflowStarted with the caller, the correlation, the command as causation and the clock', async () => {
    const { run, repo, clock, events } = setup();
    const commandId = randomUUID();
    const r = await run(() => new StartWorkflowHandler(repo, clock).execute(new StartWorkflowCommand(commandId, 'wf-1', steps, 'Onboard')));
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
    const { run, repo, clock, start, events } = setup();
    const commandId = randomUUID();
    const first = await run(() => new StartWorkflowHandler(repo, clock).execute(new StartWorkflowCommand(commandId, 'wf-2', steps)));
    const again = await run(() => new StartWorkflowHandler(repo, clock).execute(new StartWorkflowCommand(commandId, 'wf-2', steps)));
    expect(again.position).toBe(first.position);
    await expect(start('wf-2')).rejects.toMatchObject({ code: 'WORKFLOW.ALREADY_STARTED' });
    expect(await events('wf-2')).toHaveLength(1);
  });
});
