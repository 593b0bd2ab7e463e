import { randomUUID } from 'node:crypto';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { invoiceCommands } from '../../testing/invoice-handler-harness';

describe('CreateInvoice through DecideInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const decide = invoiceCommands(new EventSourcedRepository(store, invoiceDecider));
  const run = runAs();

  it('records InvoiceCreated with the caller, the correlation and the command as causation', async () => {
    const commandId = randomUUID();
    const r = await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'EUR' }, commandId));
    expect(r).toMatchObject({ aggregateId: 'inv-1', version: 1 });
    const [e] = (await store.readStream('inv-1', TEST_SCOPE)).events;
    expect(e).toMatchObject({
      aggregateType: 'Invoice',
      eventType: 'InvoiceCreated',
      eventData: { invoiceId: 'inv-1', period: '2026-11', currency: 'EUR', status: 'draft' },
      correlationId: 'corr-1',
      causationId: commandId,
      metadata: { userId: 'alice', organizationId: 'org-a', source: 'api' },
    });
  });

  it('answers a repeated command with the first result and refuses another creation with INVOICE.ALREADY_EXISTS', async () => {
    const commandId = randomUUID();
    const first = await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-2', period: '2026-11', currency: 'EUR' }, commandId));
    const again = await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-2', period: '2026-11', currency: 'EUR' }, commandId));
    expect(again).toMatchObject({ version: first.version, position: first.position });
    await expect(
      run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-2', period: '2026-11', currency: 'EUR' })),
    ).rejects.toMatchObject({
      code: 'INVOICE.ALREADY_EXISTS',
    });
    expect((await store.readStream('inv-2', TEST_SCOPE)).version).toBe(1);
  });

  it('lets exactly one of concurrent creations win; the others get INVOICE.ALREADY_EXISTS', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-3', period: '2026-11', currency: 'EUR' }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'INVOICE.ALREADY_EXISTS' });
  });
});
