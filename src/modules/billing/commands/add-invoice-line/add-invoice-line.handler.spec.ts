import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { CreateInvoiceCommand } from '../create-invoice/create-invoice.command';
import { CreateInvoiceHandler } from '../create-invoice/create-invoice.handler';
import { AddInvoiceLineCommand } from './add-invoice-line.command';
import { AddInvoiceLineHandler } from './add-invoice-line.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};
const scope = { organizationId: 'org-a', isAdmin: false };

describe('AddInvoiceLineHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const create = new CreateInvoiceHandler(repo);
  const add = new AddInvoiceLineHandler(repo);
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
  const line = (lineId: string, quantity: unknown = '1', unitPrice: unknown = '0.10') =>
    new AddInvoiceLineCommand(randomUUID(), 'inv-1', { lineId, description: 'storage', quantity, unitPrice });

  beforeAll(() => run(() => create.execute(new CreateInvoiceCommand(randomUUID(), 'inv-1', '2026-11', 'EUR'))));

  it('records the line with exact totals', async () => {
    const r = await run(() => add.execute(line('l1', '3', '0.10')));
    expect(r.events[0].eventData).toMatchObject({ lineId: 'l1', amount: '0.30', total: '0.30', totalMinor: 30 });
  });

  it('keeps every one of concurrent lines and their running total exact', async () => {
    await Promise.all(Array.from({ length: 8 }, (_, i) => run(() => add.execute(line(`c${i}`)))));
    const slice = await store.readStream('inv-1', scope);
    expect(slice.events.filter((e) => e.eventType === 'InvoiceLineAdded')).toHaveLength(9);
    expect(slice.events.at(-1)?.eventData).toMatchObject({ total: '1.10', totalMinor: 110, lineCount: 9 });
  });

  it('refuses a line on an unknown invoice with INVOICE.NOT_FOUND and records nothing', async () => {
    await expect(
      run(() =>
        add.execute(new AddInvoiceLineCommand(randomUUID(), 'inv-nope', { lineId: 'x', description: 'x', quantity: 1, unitPrice: 1 })),
      ),
    ).rejects.toMatchObject({
      code: 'INVOICE.NOT_FOUND',
      httpStatus: 404,
    });
    await expect(store.readStream('inv-nope', scope)).rejects.toThrow();
  });
});
