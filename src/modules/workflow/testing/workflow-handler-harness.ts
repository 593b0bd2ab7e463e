import { randomUUID } from 'node:crypto';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { workflowDecider } from '../domain/workflow.decider';
import { DecideWorkflowCommand, type WorkflowCommandInput } from '../commands/decide-workflow/decide-workflow.command';
import { DecideWorkflowHandler } from '../commands/decide-workflow/decide-workflow.handler';

/** The harness the workflow handler specs share: an in-memory store, a caller, a settable clock, a started workflow. */
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
  const workflows = new DecideWorkflowHandler(repo, clock);
  /** One workflow command through the module's handler (call it inside `run`). */
  const decide = (command: WorkflowCommandInput, commandId: string = randomUUID()) =>
    workflows.execute(new DecideWorkflowCommand(commandId, command));
  const run = runAs();
  const start = (id: string) => run(() => decide({ kind: 'StartWorkflow', workflowId: id, steps, name: 'Onboard' }));
  const events = async (id: string) => (await store.readStream(id, TEST_SCOPE)).events;
  return { store, repo, clock, tick, run, decide, start, events };
}
