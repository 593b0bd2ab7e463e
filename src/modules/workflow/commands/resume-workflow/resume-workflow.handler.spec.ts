import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../../domain/workflow.decider';
import { StartWorkflowCommand } from '../start-workflow/start-workflow.command';
import { StartWorkflowHandler } from '../start-workflow/start-workflow.handler';
import { CompleteStepCommand } from '../complete-step/complete-step.command';
import { CompleteStepHandler } from '../complete-step/complete-step.handler';
import { ResumeWorkflowCommand } from './resume-workflow.command';
import { ResumeWorkflowHandler } from './resume-workflow.handler';

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
const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '9.90', currency: 'EUR' };

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

describe('ResumeWorkflowHandler against the in-memory store', () => {
  it('resumes a workflow waiting for payment at the given moment; the next step becomes actionable', async () => {
    const { run, repo, clock, start, events } = setup();
    await start('wf-1');
    const complete = (stepId: string, output: object) =>
      run(() => new CompleteStepHandler(repo, clock).execute(new CompleteStepCommand(randomUUID(), 'wf-1', stepId, output)));
    await complete('plan', {});
    await complete('vm', vmOutput);
    await expect(complete('notify', {})).rejects.toMatchObject({ code: 'WORKFLOW.AWAITING_PAYMENT' });
    const paidAt = new Date('2026-11-01T10:05:00.000Z');
    await run(() =>
      new ResumeWorkflowHandler(repo, clock).execute(new ResumeWorkflowCommand(randomUUID(), 'wf-1', 'vm', 'inv-1', 'pay-1', paidAt)),
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
