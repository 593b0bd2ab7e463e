import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../../domain/workflow.decider';
import { StartWorkflowCommand } from '../start-workflow/start-workflow.command';
import { StartWorkflowHandler } from '../start-workflow/start-workflow.handler';
import { FailStepCommand } from './fail-step.command';
import { FailStepHandler } from './fail-step.handler';

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

describe('FailStepHandler against the in-memory store', () => {
  it('records the failure with its duration, then refuses another with WORKFLOW.STEP_FAILED', async () => {
    const { run, repo, clock, tick, start, events } = setup();
    await start('wf-1');
    tick(42);
    await run(() =>
      new FailStepHandler(repo, clock).execute(
        new FailStepCommand(randomUUID(), 'wf-1', 'plan', { message: 'quota exceeded', code: 'Q1' }),
      ),
    );
    expect((await events('wf-1'))[1].eventData).toMatchObject({
      stepKind: 'manual',
      durationMs: 42,
      error: { message: 'quota exceeded', code: 'Q1' },
      status: 'failed',
    });
    await expect(
      run(() => new FailStepHandler(repo, clock).execute(new FailStepCommand(randomUUID(), 'wf-1', 'plan', 'again'))),
    ).rejects.toMatchObject({
      code: 'WORKFLOW.STEP_FAILED',
    });
  });
});
