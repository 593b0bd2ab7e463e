import { randomUUID } from 'node:crypto';
import { RequestContextStore } from '@gyroscops/context';
import { EventSourcedRepository, redecide } from '@gyroscops/ddd';
import { InMemoryEventStore, type StoredEvent } from '@gyroscops/event-store';
import { invoiceDecider, type InvoiceCommand } from '../domain/invoice.decider';
import { invoicesProjection, invoiceSummary, type InvoiceDocument } from './invoices.projection';

describe('invoices projection', () => {
  it('folds an invoice’s events into the summary the API shows, with its organization and times', async () => {
    const store = new InMemoryEventStore();
    const repo = new EventSourcedRepository(store, invoiceDecider);
    const commands: InvoiceCommand[] = [
      { kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'EUR' },
      { kind: 'AddInvoiceLine', invoiceId: 'inv-1', line: { lineId: 'l1', description: 'vm', quantity: '1.5', unitPrice: '0.99' } },
      { kind: 'IssueInvoice', invoiceId: 'inv-1' },
      { kind: 'ApplyInvoicePayment', invoiceId: 'inv-1', paymentId: 'p1', amount: '1.00', currency: 'EUR' },
    ];
    const ctx = { correlationId: 'c', causationId: null, userId: 'u', organizationId: 'org-a', roles: ['writer' as const], source: 'api' };
    for (const c of commands)
      await RequestContextStore.run(ctx, () => repo.execute('inv-1', c, { commandId: randomUUID(), conflict: redecide() }));
    const events = (await store.readStream('inv-1', { organizationId: 'org-a', isAdmin: false })).events;
    const doc = events.reduce<InvoiceDocument | null>((d, e: StoredEvent) => invoicesProjection.evolve(d, e), null);
    expect(invoicesProjection.idOf(events[0])).toBe('inv-1');
    expect(invoiceSummary(doc as InvoiceDocument)).toEqual({
      invoiceId: 'inv-1',
      period: '2026-11',
      currency: 'EUR',
      status: 'partially_paid',
      total: '1.48',
      totalMinor: 148,
      paid: '1.00',
      balance: '0.48',
      lines: [{ lineId: 'l1', description: 'vm', quantity: '1.5', unitPrice: '0.99', amount: '1.48' }],
      organizationId: 'org-a',
      version: 4,
      createdAt: events[0].timestamp,
      updatedAt: events[3].timestamp,
      createdPosition: events[0].position,
    });
  });

  it('ignores other aggregates', () => {
    expect(invoicesProjection.idOf({ aggregateType: 'Payment', aggregateId: 'p' } as StoredEvent)).toBeNull();
  });
});
