import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../domain/workflow.decider';
import { StartWorkflowCommand } from '../commands/start-workflow/start-workflow.command';
import { StartWorkflowHandler } from '../commands/start-workflow/start-workflow.handler';

/** The harness the workflow handler specs share: an in-memory store, a caller, a settable clock, a started workflow. */
export const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};
export const scope = { organizationId: 'org-a', isAdmin: false };
export const steps = [
  { id: 'plan', name: 'Plan', kind: 'manual' },
  { id: 'vm', name: 'VM', kind: 'provision-resource' },
  { id: 'notify', name: 'Notify', kind: 'notification' },
];

export function setup() {
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
