import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { invoiceCommands } from '../../testing/invoice-handler-harness';

describe('VoidInvoice through DecideInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const decide = invoiceCommands(new EventSourcedRepository(store, invoiceDecider));
  const run = runAs();

  it('voids a draft with its reason, then refuses a second void with INVOICE.VOIDED', async () => {
    await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'EUR' }));
    const r = await run(() => decide({ kind: 'VoidInvoice', invoiceId: 'inv-1', reason: 'opened by mistake' }));
    expect(r.events[0]).toMatchObject({
      eventType: 'InvoiceVoided',
      eventData: { status: 'voided', previousStatus: 'draft', reason: 'opened by mistake' },
    });
    await expect(run(() => decide({ kind: 'VoidInvoice', invoiceId: 'inv-1' }))).rejects.toMatchObject({
      code: 'INVOICE.VOIDED',
    });
  });

  it('lets exactly one of concurrent voids through', async () => {
    await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-2', period: '2026-11', currency: 'EUR' }));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => run(() => decide({ kind: 'VoidInvoice', invoiceId: 'inv-2' }))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'INVOICE.VOIDED' });
  });
});
