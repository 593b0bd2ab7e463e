import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { CreateInvoiceCommand } from '../create-invoice/create-invoice.command';
import { CreateInvoiceHandler } from '../create-invoice/create-invoice.handler';
import { VoidInvoiceCommand } from './void-invoice.command';
import { VoidInvoiceHandler } from './void-invoice.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};

describe('VoidInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
  const voidIt = new VoidInvoiceHandler(repo);

  it('voids a draft with its reason, then refuses a second void with INVOICE.VOIDED', async () => {
    await run(() => new CreateInvoiceHandler(repo).execute(new CreateInvoiceCommand(randomUUID(), 'inv-1', '2026-11', 'EUR')));
    const r = await run(() => voidIt.execute(new VoidInvoiceCommand(randomUUID(), 'inv-1', 'opened by mistake')));
    expect(r.events[0]).toMatchObject({
      eventType: 'InvoiceVoided',
      eventData: { status: 'voided', previousStatus: 'draft', reason: 'opened by mistake' },
    });
    await expect(run(() => voidIt.execute(new VoidInvoiceCommand(randomUUID(), 'inv-1')))).rejects.toMatchObject({
      code: 'INVOICE.VOIDED',
    });
  });

  it('lets exactly one of concurrent voids through', async () => {
    await run(() => new CreateInvoiceHandler(repo).execute(new CreateInvoiceCommand(randomUUID(), 'inv-2', '2026-11', 'EUR')));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 4 }, () => run(() => voidIt.execute(new VoidInvoiceCommand(randomUUID(), 'inv-2')))),
    );
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'INVOICE.VOIDED' });
  });
});
