import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { CreateInvoiceCommand } from './create-invoice.command';
import { CreateInvoiceHandler } from './create-invoice.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};
const scope = { organizationId: 'org-a', isAdmin: false };

describe('CreateInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const handler = new CreateInvoiceHandler(new EventSourcedRepository(store, invoiceDecider));
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);

  it('records InvoiceCreated with the caller, the correlation and the command as causation', async () => {
    const commandId = randomUUID();
    const r = await run(() => handler.execute(new CreateInvoiceCommand(commandId, 'inv-1', '2026-11', 'EUR')));
    expect(r).toMatchObject({ aggregateId: 'inv-1', version: 1 });
    const [e] = (await store.readStream('inv-1', scope)).events;
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
    const first = await run(() => handler.execute(new CreateInvoiceCommand(commandId, 'inv-2', '2026-11', 'EUR')));
    const again = await run(() => handler.execute(new CreateInvoiceCommand(commandId, 'inv-2', '2026-11', 'EUR')));
    expect(again).toMatchObject({ version: first.version, position: first.position });
    await expect(run(() => handler.execute(new CreateInvoiceCommand(randomUUID(), 'inv-2', '2026-11', 'EUR')))).rejects.toMatchObject({
      code: 'INVOICE.ALREADY_EXISTS',
    });
    expect((await store.readStream('inv-2', scope)).version).toBe(1);
  });

  it('lets exactly one of concurrent creations win; the others get INVOICE.ALREADY_EXISTS', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => run(() => handler.execute(new CreateInvoiceCommand(randomUUID(), 'inv-3', '2026-11', 'EUR')))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'INVOICE.ALREADY_EXISTS' });
  });
});
