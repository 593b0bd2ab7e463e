import { randomUUID } from 'node:crypto';
import { EventSourcedRepository, replay } from '@gyroscops/ddd';
import { runAs, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import type { InvoiceEvent } from '../../domain/invoice.events';
import { openInvoiceId } from '../../domain/open-invoice';
import { invoiceCommands } from '../../testing/invoice-handler-harness';
import { BillProvisionedResourceCommand } from './bill-provisioned-resource.command';
import { BillProvisionedResourceHandler } from './bill-provisioned-resource.handler';

describe('BillProvisionedResourceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const bill = new BillProvisionedResourceHandler(repo);
  const decide = invoiceCommands(repo);
  const run = runAs({ causationId: 'evt-1', userId: 'saga:billing', source: 'saga' });
  const command = (lineId: string, commandId = randomUUID(), period = '2026-11') =>
    new BillProvisionedResourceCommand(commandId, period, 'EUR', {
      lineId,
      description: 'vm provisioned',
      quantity: '2',
      unitPrice: '4.50',
      cloudResource: { resourceType: 'vm' },
      origin: { workflowId: 'wf-1', stepId: lineId },
    });
  const invoice = async (id: string) =>
    replay(
      invoiceDecider,
      (await store.readStream(id, TEST_SCOPE)).events.map((e) => ({ type: e.eventType, data: e.eventData }) as InvoiceEvent),
    );

  it('opens the open invoice of the period with the line when there is none', async () => {
    const r = await run(() => bill.execute(command('s1')));
    expect(r.invoiceId).toBe(openInvoiceId('org-a', '2026-11', 'EUR', 1));
    expect(r.result?.events.map((e) => e.eventType)).toEqual(['InvoiceCreated', 'InvoiceLineAdded']);
    expect(r.result?.events[1]).toMatchObject({ correlationId: 'corr-1', metadata: { source: 'saga', organizationId: 'org-a' } });
  });

  it('converges concurrent sagas of the period on one invoice, every line kept once', async () => {
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run(() => bill.execute(command(`p${i}`, randomUUID(), '2026-10')))),
    );
    const id = openInvoiceId('org-a', '2026-10', 'EUR', 1);
    expect(new Set(results.map((r) => r.invoiceId))).toEqual(new Set([id]));
    const state = await invoice(id);
    expect(state.lines).toHaveLength(6);
    expect(state.totalMinor).toBe(6 * 900);
  });

  it('does nothing twice for a redelivered command', async () => {
    const commandId = randomUUID();
    const first = await run(() => bill.execute(command('r1', commandId, '2026-09')));
    const again = await run(() => bill.execute(command('r1', commandId, '2026-09')));
    expect(again.invoiceId).toBe(first.invoiceId);
    expect((await invoice(first.invoiceId)).lines).toHaveLength(1);
  });

  it('moves on to the next invoice of the period once the open one is issued', async () => {
    await run(() => bill.execute(command('a1', randomUUID(), '2026-08')));
    const first = openInvoiceId('org-a', '2026-08', 'EUR', 1);
    await run(() => decide({ kind: 'IssueInvoice', invoiceId: first }));
    const r = await run(() => bill.execute(command('a2', randomUUID(), '2026-08')));
    expect(r.invoiceId).toBe(openInvoiceId('org-a', '2026-08', 'EUR', 2));
    expect((await invoice(first)).lines).toHaveLength(1);
  });

  it('moves on past an invoice id another organization took, or a hard-deleted one, instead of failing the line', async () => {
    const squatted = openInvoiceId('org-a', '2026-07', 'EUR', 1);
    // Another organization creates an invoice under the id org-a's billing derives (ids are global to the store).
    await runAs({ organizationId: 'org-b' })(() =>
      decide({ kind: 'CreateInvoice', invoiceId: squatted, currency: 'EUR', period: '2026-07' }),
    );
    const r = await run(() => bill.execute(command('q1', randomUUID(), '2026-07')));
    expect(r.invoiceId).toBe(openInvoiceId('org-a', '2026-07', 'EUR', 2));

    const deleted = openInvoiceId('org-a', '2026-06', 'EUR', 1);
    await run(() => bill.execute(command('d1', randomUUID(), '2026-06')));
    const admin = { correlationId: 'c', causationId: null, userId: 'ops', organizationId: 'org-a', source: 'test', isAdmin: true };
    await store.deleteStream(deleted, { mode: 'hard', reason: 'test', context: admin });
    const after = await run(() => bill.execute(command('d2', randomUUID(), '2026-06')));
    expect(after.invoiceId).toBe(openInvoiceId('org-a', '2026-06', 'EUR', 2));
  });
});
