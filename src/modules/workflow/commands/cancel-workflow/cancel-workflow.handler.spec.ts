import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../../domain/workflow.decider';
import { StartWorkflowCommand } from '../start-workflow/start-workflow.command';
import { StartWorkflowHandler } from '../start-workflow/start-workflow.handler';
import { CompleteStepCommand } from '../complete-step/complete-step.command';
import { CompleteStepHandler } from '../complete-step/complete-step.handler';
import { CancelWorkflowCommand } from './cancel-workflow.command';
import { CancelWorkflowHandler } from './cancel-workflow.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};
const scope = { organizationId: 'org-a', isAdmin: false };
const steps = [
  { id: 'plan', name: 'Plan', kind: 'manual' },
  { id: 'vm', name: 'VM', kind: 'provision-resource' },
  { id: 'notify', name: 'Notify', kind: 'notification' },
];

function setup() {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, workflowDecider);
  let now = new Date('2026-11-01T10:00:00.000Z');
  const clock = () => now;
  const tick = (ms: number) => (now = new Date(now.getTime() + ms));
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
  const start = (id: string) =>
    run(() => new StartWorkflowHandler(repo, clock).execute(new StartWorkflowCommand(randomUUID(), id, steps, 'Onboard')));
  const events = async (id: string) => (await store.readStream(id, scope)).events;
  return { store, repo, clock, tick, run, start, events };
}

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
