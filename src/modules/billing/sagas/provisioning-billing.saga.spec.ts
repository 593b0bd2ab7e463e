import { randomUUID } from 'node:crypto';
import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { EventSourcedRepository, replay } from '@gyroscops/ddd';
import { InMemoryEventStore, type StoredEvent } from '@gyroscops/event-store';
import { BillProvisionedResourceCommand } from '../commands/bill-provisioned-resource/bill-provisioned-resource.command';
import { BillProvisionedResourceHandler } from '../commands/bill-provisioned-resource/bill-provisioned-resource.handler';
import { invoiceDecider } from '../domain/invoice.decider';
import type { InvoiceEvent } from '../domain/invoice.events';
import { openInvoiceId } from '../domain/open-invoice';
import { ProvisioningBillingSaga } from './provisioning-billing.saga';

const scope = { organizationId: 'org-a', isAdmin: false };

describe('ProvisioningBillingSaga', () => {
  const store = new InMemoryEventStore({ clock: () => new Date('2026-11-15T12:00:00.000Z') });
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const bill = new BillProvisionedResourceHandler(repo);
  const bus = {
    execute: (c: ICommand) =>
      c instanceof BillProvisionedResourceCommand ? bill.execute(c) : Promise.reject(new Error('unexpected command')),
  };
  const saga = new ProvisioningBillingSaga(bus as unknown as CommandBus);

  /** A WorkflowStepCompleted as the Workflow module stores it. */
  const stepCompleted = async (data: Record<string, unknown>, org = 'org-a'): Promise<StoredEvent> => {
    const workflowId = `wf-${randomUUID()}`;
    const r = await store.appendToStream(
      workflowId,
      [
        {
          eventId: randomUUID(),
          eventType: 'WorkflowStepCompleted',
          eventData: { workflowId, stepId: 'vm', stepName: 'Provision VM', ...data },
        },
      ],
      {
        aggregateType: 'Workflow',
        expectedVersion: 'no_stream',
        context: {
          correlationId: `corr-${workflowId}`,
          causationId: null,
          userId: 'bob',
          organizationId: org,
          source: 'api',
          isAdmin: false,
        },
      },
    );
    return r.events[0];
  };
  const invoice = async (id: string) => {
    const slice = await store.readStream(id, scope);
    return {
      events: slice.events,
      state: replay(
        invoiceDecider,
        slice.events.map((e) => ({ type: e.eventType, data: e.eventData }) as InvoiceEvent),
      ),
    };
  };
  const output = { resourceType: 'vm', resourceId: 'vm-7', quantity: '730', unitPrice: '0.125', currency: 'BHD' };

  it('puts a line for the resource on the open invoice of the month, opening it, in the workflow’s correlation', async () => {
    const e = await stepCompleted({ stepKind: 'provision-resource', output });
    await saga.onEvent(e);
    const { events, state } = await invoice(openInvoiceId('org-a', '2026-11', 'BHD', 1));
    expect(events.map((x) => x.eventType)).toEqual(['InvoiceCreated', 'InvoiceLineAdded']);
    expect(events.every((x) => x.correlationId === e.correlationId && x.causationId === e.eventId && x.metadata.source === 'saga')).toBe(
      true,
    );
    expect(state).toMatchObject({ status: 'draft', period: '2026-11', currency: 'BHD', totalMinor: 91250 });
    expect(state.lines[0]).toMatchObject({
      lineId: `${e.aggregateId}:vm`,
      quantity: '730',
      cloudResource: { resourceType: 'vm', resourceId: 'vm-7' },
      origin: { workflowId: e.aggregateId, stepId: 'vm' },
    });
  });

  it('adds later provisioning of the month to the same invoice, and reacts once to a redelivered event', async () => {
    const e = await stepCompleted({ stepKind: 'provision-resource', output: { ...output, quantity: 1, unitPrice: '1.000' } });
    await saga.onEvent(e);
    await saga.onEvent(e);
    const { state } = await invoice(openInvoiceId('org-a', '2026-11', 'BHD', 1));
    expect(state.lines.filter((l) => l.origin?.workflowId === e.aggregateId)).toHaveLength(1);
    expect(state.lines).toHaveLength(2);
    expect(state.totalMinor).toBe(91250 + 1000);
  });

  it('ignores steps of other kinds', async () => {
    await saga.onEvent(await stepCompleted({ stepKind: 'manual', output: { ...output, currency: 'JPY' } }));
    await expect(store.readStream(openInvoiceId('org-a', '2026-11', 'JPY', 1), scope)).rejects.toThrow();
  });

  it('fails (for the runner to retry, then park) on an output billing refuses, recording nothing', async () => {
    await expect(
      saga.onEvent(await stepCompleted({ stepKind: 'provision-resource', output: { ...output, currency: 'CHF', quantity: 0 } })),
    ).rejects.toMatchObject({
      code: 'QUANTITY.INVALID',
    });
    await expect(store.readStream(openInvoiceId('org-a', '2026-11', 'CHF', 1), scope)).rejects.toThrow();
  });
});
