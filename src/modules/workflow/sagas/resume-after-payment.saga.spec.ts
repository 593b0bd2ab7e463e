import { randomUUID } from 'node:crypto';
import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { TEST_CALLER } from '@gyroscops/ddd/testing';
import { InMemoryEventStore, type StoredEvent } from '@gyroscops/event-store';
import { DecideWorkflowCommand, type WorkflowCommandInput } from '../commands/decide-workflow/decide-workflow.command';
import { DecideWorkflowHandler } from '../commands/decide-workflow/decide-workflow.handler';
import { workflowDecider } from '../domain/workflow.decider';
import { ResumeAfterPaymentSaga } from './resume-after-payment.saga';

const org = 'org-a';
const api: RequestContext = { ...TEST_CALLER, correlationId: 'corr-chain', userId: 'bob', organizationId: org };
const scope = { organizationId: org, isAdmin: false };
const vmOutput = { resourceType: 'vm', quantity: 1, unitPrice: '10.00', currency: 'EUR' };

describe('ResumeAfterPaymentSaga', () => {
  let now = new Date('2026-11-01T10:00:00.000Z');
  const store = new InMemoryEventStore({ clock: () => now });
  const repo = new EventSourcedRepository(store, workflowDecider);
  const clock = () => now;
  const workflows = new DecideWorkflowHandler(repo, clock);
  const decide = (command: WorkflowCommandInput) => workflows.execute(new DecideWorkflowCommand(randomUUID(), command));
  const bus = {
    execute: (c: ICommand) =>
      c instanceof DecideWorkflowCommand && c.command.kind === 'ResumeWorkflow'
        ? workflows.execute(c)
        : Promise.reject(new Error('unexpected command')),
  };
  const saga = new ResumeAfterPaymentSaga(bus as unknown as CommandBus, store);
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(api, fn);

  /** A workflow waiting for the payment of its provision-resource step. */
  const waiting = async (id: string) =>
    run(async () => {
      await decide({
        kind: 'StartWorkflow',
        workflowId: id,
        steps: [
          { id: 'vm', name: 'VM', kind: 'provision-resource' },
          { id: 'notify', name: 'Notify', kind: 'notification' },
        ],
      });
      await decide({ kind: 'CompleteStep', workflowId: id, stepId: 'vm', output: vmOutput });
    });
  /** An invoice stream as Billing stores it: lines naming their origin, then the payment. */
  const invoice = async (
    invoiceId: string,
    origins: { workflowId: string; stepId: string }[],
    status: 'paid' | 'partially_paid' = 'paid',
  ): Promise<StoredEvent> => {
    const context = { ...api, correlationId: 'corr-chain', isAdmin: false };
    await store.appendToStream(
      invoiceId,
      [
        { eventType: 'InvoiceCreated', eventData: { invoiceId, period: '2026-11', currency: 'EUR', status: 'draft' } },
        ...origins.map((origin, i) => ({ eventType: 'InvoiceLineAdded', eventData: { invoiceId, lineId: `l${i}`, origin } })),
        { eventType: 'InvoiceLineAdded', eventData: { invoiceId, lineId: 'manual' } },
        { eventType: 'InvoiceIssued', eventData: { invoiceId, status: 'issued' } },
      ],
      { aggregateType: 'Invoice', expectedVersion: 'no_stream', context },
    );
    now = new Date('2026-11-01T10:02:00.000Z');
    const r = await store.appendToStream(
      invoiceId,
      [{ eventType: 'InvoicePaymentApplied', eventData: { invoiceId, paymentId: 'pay-1', status } }],
      {
        aggregateType: 'Invoice',
        expectedVersion: 'any',
        context: { ...context, source: 'saga' },
      },
    );
    return r.events[0];
  };
  const last = async (id: string) => (await store.readStream(id, scope)).events.at(-1);

  it('resumes every workflow billed on the paid invoice, at the payment’s moment, in its correlation', async () => {
    await waiting('wf-1');
    await waiting('wf-2');
    const paid = await invoice('inv-1', [
      { workflowId: 'wf-1', stepId: 'vm' },
      { workflowId: 'wf-2', stepId: 'vm' },
    ]);
    await saga.onEvent(paid);
    for (const id of ['wf-1', 'wf-2']) {
      expect(await last(id)).toMatchObject({
        eventType: 'WorkflowResumed',
        eventData: { stepId: 'vm', invoiceId: 'inv-1', paymentId: 'pay-1', nextStepId: 'notify', durationMs: 120000, at: paid.timestamp },
        correlationId: 'corr-chain',
        causationId: paid.eventId,
        metadata: { source: 'saga' },
      });
    }
  });

  it('reacts once to a redelivered event', async () => {
    await waiting('wf-3');
    const paid = await invoice('inv-3', [{ workflowId: 'wf-3', stepId: 'vm' }]);
    await saga.onEvent(paid);
    await saga.onEvent(paid);
    const events = (await store.readStream('wf-3', scope)).events.filter((e) => e.eventType === 'WorkflowResumed');
    expect(events).toHaveLength(1);
  });

  it('waits on while the invoice is only partially paid', async () => {
    await waiting('wf-4');
    await saga.onEvent(await invoice('inv-4', [{ workflowId: 'wf-4', stepId: 'vm' }], 'partially_paid'));
    expect((await last('wf-4'))?.eventType).toBe('WorkflowStepCompleted');
  });

  it('leaves alone workflows cancelled meanwhile or unknown, and still resumes the others', async () => {
    await waiting('wf-5');
    await waiting('wf-6');
    await run(() => decide({ kind: 'CancelWorkflow', workflowId: 'wf-5' }));
    await saga.onEvent(
      await invoice('inv-5', [
        { workflowId: 'wf-5', stepId: 'vm' },
        { workflowId: 'wf-gone', stepId: 'vm' },
        { workflowId: 'wf-6', stepId: 'vm' },
      ]),
    );
    expect((await last('wf-5'))?.eventType).toBe('WorkflowCancelled');
    expect((await last('wf-6'))?.eventType).toBe('WorkflowResumed');
  });
});
