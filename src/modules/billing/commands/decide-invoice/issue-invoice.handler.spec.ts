import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { invoiceCommands } from '../../testing/invoice-handler-harness';

describe('IssueInvoice through DecideInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const decide = invoiceCommands(new EventSourcedRepository(store, invoiceDecider));
  const run = runAs();

  it('issues an invoice with lines once; the second issue is refused with INVOICE.ALREADY_ISSUED', async () => {
    await run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'JPY' }));
    await expect(run(() => decide({ kind: 'IssueInvoice', invoiceId: 'inv-1' }))).rejects.toMatchObject({ code: 'INVOICE.EMPTY' });
    await run(() =>
      decide({ kind: 'AddInvoiceLine', invoiceId: 'inv-1', line: { lineId: 'l1', description: 'vm', quantity: 2.5, unitPrice: 3 } }),
    );
    const r = await run(() => decide({ kind: 'IssueInvoice', invoiceId: 'inv-1' }));
    expect(r.events[0]).toMatchObject({ eventType: 'InvoiceIssued', eventData: { total: '8', totalMinor: 8, status: 'issued' } });
    await expect(run(() => decide({ kind: 'IssueInvoice', invoiceId: 'inv-1' }))).rejects.toMatchObject({
      code: 'INVOICE.ALREADY_ISSUED',
    });
  });
});
