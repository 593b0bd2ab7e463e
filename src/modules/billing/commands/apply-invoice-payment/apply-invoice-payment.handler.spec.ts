import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { AddInvoiceLineCommand } from '../add-invoice-line/add-invoice-line.command';
import { AddInvoiceLineHandler } from '../add-invoice-line/add-invoice-line.handler';
import { CreateInvoiceCommand } from '../create-invoice/create-invoice.command';
import { CreateInvoiceHandler } from '../create-invoice/create-invoice.handler';
import { IssueInvoiceCommand } from '../issue-invoice/issue-invoice.command';
import { IssueInvoiceHandler } from '../issue-invoice/issue-invoice.handler';
import { ApplyInvoicePaymentCommand } from './apply-invoice-payment.command';
import { ApplyInvoicePaymentHandler } from './apply-invoice-payment.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'saga',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'saga',
};
const scope = { organizationId: 'org-a', isAdmin: false };

describe('ApplyInvoicePaymentHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const apply = new ApplyInvoicePaymentHandler(repo);
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);

  beforeAll(() =>
    run(async () => {
      await new CreateInvoiceHandler(repo).execute(new CreateInvoiceCommand(randomUUID(), 'inv-1', '2026-11', 'EUR'));
      await new AddInvoiceLineHandler(repo).execute(
        new AddInvoiceLineCommand(randomUUID(), 'inv-1', { lineId: 'l1', description: 'vm', quantity: 1, unitPrice: '30.00' }),
      );
      await new IssueInvoiceHandler(repo).execute(new IssueInvoiceCommand(randomUUID(), 'inv-1'));
    }),
  );

  it('counts concurrent payments exactly, ending paid', async () => {
    await Promise.all(
      ['p1', 'p2', 'p3'].map((p) => run(() => apply.execute(new ApplyInvoicePaymentCommand(randomUUID(), 'inv-1', p, '10.00', 'EUR')))),
    );
    const slice = await store.readStream('inv-1', scope);
    const applied = slice.events.filter((e) => e.eventType === 'InvoicePaymentApplied').map((e) => e.eventData);
    expect(applied.map((d) => d.paid)).toEqual(['10.00', '20.00', '30.00']);
    expect(applied.at(-1)).toMatchObject({ status: 'paid', balance: '0.00' });
  });

  it('records nothing new when the same payment comes again, under another command id', async () => {
    const before = (await store.readStream('inv-1', scope)).version;
    expect(await run(() => apply.execute(new ApplyInvoicePaymentCommand(randomUUID(), 'inv-1', 'p1', '10.00', 'EUR')))).toBeNull();
    expect((await store.readStream('inv-1', scope)).version).toBe(before);
  });

  it('refuses an unknown invoice with INVOICE.NOT_FOUND', async () => {
    await expect(run(() => apply.execute(new ApplyInvoicePaymentCommand(randomUUID(), 'inv-none', 'p9', 1, 'EUR')))).rejects.toMatchObject({
      code: 'INVOICE.NOT_FOUND',
    });
  });
});
