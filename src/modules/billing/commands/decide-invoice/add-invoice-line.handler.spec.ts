import { EventSourcedRepository } from '@gyroscops/ddd';
import { runAs, TEST_SCOPE } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { invoiceCommands } from '../../testing/invoice-handler-harness';

describe('AddInvoiceLine through DecideInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const decide = invoiceCommands(new EventSourcedRepository(store, invoiceDecider));
  const run = runAs();
  const line = (lineId: string, quantity: unknown = '1', unitPrice: unknown = '0.10') =>
    ({ kind: 'AddInvoiceLine', invoiceId: 'inv-1', line: { lineId, description: 'storage', quantity, unitPrice } }) as const;

  beforeAll(() => run(() => decide({ kind: 'CreateInvoice', invoiceId: 'inv-1', period: '2026-11', currency: 'EUR' })));

  it('records the line with exact totals', async () => {
    const r = await run(() => decide(line('l1', '3', '0.10')));
    expect(r.events[0].eventData).toMatchObject({ lineId: 'l1', amount: '0.30', total: '0.30', totalMinor: 30 });
  });

  it('keeps every one of concurrent lines and their running total exact', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => run(() => decide(line(`c${i}`)))));
    const slice = await store.readStream('inv-1', TEST_SCOPE);
    expect(slice.events.filter((e) => e.eventType === 'InvoiceLineAdded')).toHaveLength(9);
    expect(slice.events.at(-1)?.eventData).toMatchObject({ total: '1.10', totalMinor: 110, lineCount: 9 });
  });

  it('refuses a line on an unknown invoice with INVOICE.NOT_FOUND and records nothing', async () => {
    await expect(
      run(() =>
        decide({ kind: 'AddInvoiceLine', invoiceId: 'inv-nope', line: { lineId: 'x', description: 'x', quantity: 1, unitPrice: 1 } }),
      ),
    ).rejects.toMatchObject({
      code: 'INVOICE.NOT_FOUND',
      httpStatus: 404,
    });
    await expect(store.readStream('inv-nope', TEST_SCOPE)).rejects.toThrow();
  });
});
