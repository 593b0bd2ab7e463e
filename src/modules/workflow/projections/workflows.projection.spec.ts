import { randomUUID } from 'node:crypto';
import { RequestContextStore } from '@gyroscops/context';
import { EventSourcedRepository, redecide } from '@gyroscops/ddd';
import { InMemoryEventStore, type StoredEvent } from '@gyroscops/event-store';
import { workflowDecider, type WorkflowCommand } from '../domain/workflow.decider';
import { workflowsProjection, workflowSummary, type WorkflowDocument } from './workflows.projection';

describe('workflows projection', () => {
  it('folds a workflow’s events into the summary the API shows', async () => {
    const store = new InMemoryEventStore();
    const repo = new EventSourcedRepository(store, workflowDecider);
    const now = new Date('2026-11-01T10:00:00.000Z');
    const commands: WorkflowCommand[] = [
      {
        kind: 'StartWorkflow',
        workflowId: 'wf-1',
        steps: [
          { id: 'a', name: 'A', kind: 'manual' },
          { id: 'b', name: 'B', kind: 'manual' },
        ],
        now,
      },
      { kind: 'FailStep', workflowId: 'wf-1', stepId: 'a', error: 'boom', now },
      { kind: 'RetryStep', workflowId: 'wf-1', stepId: 'a', now },
      { kind: 'CompleteStep', workflowId: 'wf-1', stepId: 'a', output: { x: 1 }, now },
    ];
    const ctx = { correlationId: 'c', causationId: null, userId: 'u', organizationId: 'org-a', roles: ['writer' as const], source: 'api' };
    for (const c of commands)
      await RequestContextStore.run(ctx, () => repo.execute('wf-1', c, { commandId: randomUUID(), conflict: redecide() }));
    const events = (await store.readStream('wf-1', { organizationId: 'org-a', isAdmin: false })).events;
    const doc = events.reduce<WorkflowDocument | null>((d, e: StoredEvent) => workflowsProjection.evolve(d, e), null);
    expect(workflowSummary(doc as WorkflowDocument)).toMatchObject({
      workflowId: 'wf-1',
      status: 'running',
      currentStepId: 'b',
      steps: [
        { id: 'a', status: 'completed', attempt: 2, output: { x: 1 } },
        { id: 'b', status: 'current', attempt: 1 },
      ],
      organizationId: 'org-a',
      version: 4,
    });
    expect(doc).not.toHaveProperty('steps.0.error');
  });
});
