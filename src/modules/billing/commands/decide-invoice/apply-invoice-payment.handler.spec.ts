import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { invoiceCommands } from '../../testing/invoice-handler-harness';

describe('ApplyInvoicePayment through DecideInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const decide = invoiceCommands(new EventSourcedRepository(store, invoiceDecider));
  const run = runAs({ userId: 'saga', source: 'saga' });

  beforeAll(() =>
    run(async () => {
      await decide({ kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'EUR' });
      await decide({
        kind: 'AddInvoiceLine',
        invoiceId: 'inv-1',
        line: { lineId: 'l1', description: 'vm', quantity: 1, unitPrice: '30.00' },
      });
      await decide({ kind: 'IssueInvoice', invoiceId: 'inv-1' });
    }),
  );

  it('counts concurrent payments exactly, ending paid', async () => {
    await Promise.all(
      ['p1', 'p2', 'p3'].map((p) =>
        run(() => decide({ kind: 'ApplyInvoicePayment', invoiceId: 'inv-1', paymentId: p, amount: '10.00', currency: 'EUR' })),
      ),
    );
    const slice = await store.readStream('inv-1', TEST_SCOPE);
    const applied = slice.events.filter((e) => e.eventType === 'InvoicePaymentApplied').map((e) => e.eventData);
    expect(applied.map((d) => d.paid)).toEqual(['10.00', '20.00', '30.00']);
    expect(applied.at(-1)).toMatchObject({ status: 'paid', balance: '0.00' });
  });

  it('records nothing new when the same payment comes again, under another command id', async () => {
    const before = (await store.readStream('inv-1', TEST_SCOPE)).version;
    expect(
      await run(() => decide({ kind: 'ApplyInvoicePayment', invoiceId: 'inv-1', paymentId: 'p1', amount: '10.00', currency: 'EUR' })),
    ).toBeNull();
    expect((await store.readStream('inv-1', TEST_SCOPE)).version).toBe(before);
  });

  it('refuses an unknown invoice with INVOICE.NOT_FOUND', async () => {
    await expect(
      run(() => decide({ kind: 'ApplyInvoicePayment', invoiceId: 'inv-none', paymentId: 'p9', amount: 1, currency: 'EUR' })),
    ).rejects.toMatchObject({
      code: 'INVOICE.NOT_FOUND',
    });
  });
});
