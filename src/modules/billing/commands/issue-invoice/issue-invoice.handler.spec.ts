import { randomUUID } from 'node:crypto';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository } from '@gyroscops/ddd';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { invoiceDecider } from '../../domain/invoice.decider';
import { AddInvoiceLineCommand } from '../add-invoice-line/add-invoice-line.command';
import { AddInvoiceLineHandler } from '../add-invoice-line/add-invoice-line.handler';
import { CreateInvoiceCommand } from '../create-invoice/create-invoice.command';
import { CreateInvoiceHandler } from '../create-invoice/create-invoice.handler';
import { IssueInvoiceCommand } from './issue-invoice.command';
import { IssueInvoiceHandler } from './issue-invoice.handler';

const ctx: RequestContext = {
  correlationId: 'corr-1',
  causationId: null,
  userId: 'alice',
  organizationId: 'org-a',
  roles: ['writer'],
  source: 'api',
};

describe('IssueInvoiceHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const run = <T>(fn: () => Promise<T>) => RequestContextStore.run(ctx, fn);
  const issue = new IssueInvoiceHandler(repo);

  it('issues an invoice with lines once; the second issue is refused with INVOICE.ALREADY_ISSUED', async () => {
    await run(() => new CreateInvoiceHandler(repo).execute(new CreateInvoiceCommand(randomUUID(), 'inv-1', '2026-11', 'JPY')));
    await expect(run(() => issue.execute(new IssueInvoiceCommand(randomUUID(), 'inv-1')))).rejects.toMatchObject({ code: 'INVOICE.EMPTY' });
    await run(() =>
      new AddInvoiceLineHandler(repo).execute(
        new AddInvoiceLineCommand(randomUUID(), 'inv-1', { lineId: 'l1', description: 'vm', quantity: 2.5, unitPrice: 3 }),
      ),
    );
    const r = await run(() => issue.execute(new IssueInvoiceCommand(randomUUID(), 'inv-1')));
    expect(r.events[0]).toMatchObject({ eventType: 'InvoiceIssued', eventData: { total: '8', totalMinor: 8, status: 'issued' } });
    await expect(run(() => issue.execute(new IssueInvoiceCommand(randomUUID(), 'inv-1')))).rejects.toMatchObject({
      code: 'INVOICE.ALREADY_ISSUED',
    });
  });
});
