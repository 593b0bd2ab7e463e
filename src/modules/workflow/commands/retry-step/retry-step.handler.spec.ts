import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../../domain/workflow.decider';
import { FailStepCommand } from '../fail-step/fail-step.command';
import { FailStepHandler } from '../fail-step/fail-step.handler';
import { StartWorkflowCommand } from '../start-workflow/start-workflow.command';
import { StartWorkflowHandler } from '../start-workflow/start-workflow.handler';
import { RetryStepCommand } from './retry-step.command';
import { RetryStepHandler } from './retry-step.handler';

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

describe('RetryStepHandler against the in-memory store', () => {
  it('retries a failed step once: concurrent retries of one failure give one new attempt', async () => {
    const { run, repo, clock, tick, start, events } = setup();
    await start('wf-1');
    await run(() => new FailStepHandler(repo, clock).execute(new FailStepCommand(randomUUID(), 'wf-1', 'plan', 'boom')));
    tick(1000);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 3 }, () =>
        run(() => new RetryStepHandler(repo, clock).execute(new RetryStepCommand(randomUUID(), 'wf-1', 'plan'))),
      ),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'WORKFLOW.STEP_NOT_FAILED' });
    expect((await events('wf-1')).at(-1)?.eventData).toMatchObject({ attempt: 2, durationMs: 1000, status: 'running' });
  });
});
