import { randomUUID } from 'node:crypto';
import type { CommandBus, ICommand } from '@nestjs/cqrs';
import { RequestContextStore, type RequestContext } from '@gyroscops/context';
import { EventSourcedRepository, replay } from '@gyroscops/ddd';
import { TEST_CALLER } from '@gyroscops/ddd/testing';
import { InMemoryEventStore, type StoredEvent } from '@gyroscops/event-store';
import { DecideInvoiceCommand } from '../commands/decide-invoice/decide-invoice.command';
import { DecideInvoiceHandler } from '../commands/decide-invoice/decide-invoice.handler';
import { invoiceDecider } from '../domain/invoice.decider';
import type { InvoiceEvent } from '../domain/invoice.events';
import { invoiceCommands } from '../testing/invoice-handler-harness';
import { InvoicePaymentSaga } from './invoice-payment.saga';

const api = (org: string): RequestContext => ({ ...TEST_CALLER, correlationId: `corr-${org}`, organizationId: org });

describe('InvoicePaymentSaga', () => {
  const store = new InMemoryEventStore();
  const repo = new EventSourcedRepository(store, invoiceDecider);
  const invoices = new DecideInvoiceHandler(repo);
  const decide = invoiceCommands(repo);
  const bus = {
    execute: (c: ICommand) =>
      c instanceof DecideInvoiceCommand && c.command.kind === 'ApplyInvoicePayment'
        ? invoices.execute(c)
        : Promise.reject(new Error('unexpected command')),
  };
  const saga = new InvoicePaymentSaga(bus as unknown as CommandBus);

  const invoice = async (org: string, id: string, currency = 'EUR') =>
    RequestContextStore.run(api(org), async () => {
      await decide({ kind: 'CreateInvoice', invoiceId: id, period: '2026-11', currency });
      await decide({ kind: 'AddInvoiceLine', invoiceId: id, line: { lineId: 'l1', description: 'vm', quantity: 1, unitPrice: '50.00' } });
      await decide({ kind: 'IssueInvoice', invoiceId: id });
    });
  /** A PaymentProcessed as the Payment module stores it. */
  const payment = async (org: string, data: Record<string, unknown>): Promise<StoredEvent> => {
    const paymentId = `pay-${randomUUID()}`;
    const r = await store.appendToStream(
      paymentId,
      [{ eventId: randomUUID(), eventType: 'PaymentProcessed', eventData: { paymentId, status: 'completed', ...data } }],
      {
        aggregateType: 'Payment',
        expectedVersion: 'no_stream',
        context: { ...api(org), correlationId: `corr-pay-${paymentId}`, isAdmin: false },
      },
    );
    return r.events[0];
  };
  const events = async (org: string, id: string) => (await store.readStream(id, { organizationId: org, isAdmin: false })).events;

  it('applies a payment naming the invoice, in the payment’s correlation, caused by the saga, source saga', async () => {
    await invoice('org-a', 'inv-1');
    const p = await payment('org-a', { invoiceId: 'inv-1', amount: '20.00', amountMinor: 2000, currency: 'EUR' });
    await saga.onEvent(p);
    const last = (await events('org-a', 'inv-1')).at(-1);
    expect(last).toMatchObject({
      eventType: 'InvoicePaymentApplied',
      eventData: { paymentId: p.aggregateId, amount: '20.00', status: 'partially_paid', balance: '30.00' },
      correlationId: p.correlationId,
      causationId: p.eventId,
      metadata: { source: 'saga', organizationId: 'org-a', userId: 'saga:billing-invoice-payment' },
    });
  });

  it('reacts once to a redelivered event', async () => {
    await invoice('org-a', 'inv-2');
    const p = await payment('org-a', { invoiceId: 'inv-2', amount: '50.00', currency: 'EUR' });
    await saga.onEvent(p);
    await saga.onEvent(p);
    const applied = (await events('org-a', 'inv-2')).filter((e) => e.eventType === 'InvoicePaymentApplied');
    expect(applied).toHaveLength(1);
    expect(applied[0].eventData).toMatchObject({ status: 'paid' });
  });

  it('records a payment in another currency as rejected; the invoice stays unpaid', async () => {
    await invoice('org-a', 'inv-3');
    await saga.onEvent(await payment('org-a', { invoiceId: 'inv-3', amount: '50.00', currency: 'USD' }));
    const es = await events('org-a', 'inv-3');
    expect(es.at(-1)).toMatchObject({
      eventType: 'InvoicePaymentRejected',
      eventData: { reason: 'INVOICE.CURRENCY_MISMATCH', currency: 'USD', invoiceCurrency: 'EUR' },
    });
    expect(
      replay(
        invoiceDecider,
        es.map((e) => ({ type: e.eventType, data: e.eventData }) as InvoiceEvent),
      ).status,
    ).toBe('issued');
  });

  it('ignores payments without an invoice, for unknown invoices, and for another organization’s invoice', async () => {
    await invoice('org-a', 'inv-4');
    await expect(saga.onEvent(await payment('org-a', { amount: '1.00', currency: 'EUR' }))).resolves.toBeUndefined();
    await expect(saga.onEvent(await payment('org-a', { invoiceId: 'inv-none', amount: '1.00', currency: 'EUR' }))).resolves.toBeUndefined();
    await expect(saga.onEvent(await payment('org-b', { invoiceId: 'inv-4', amount: '50.00', currency: 'EUR' }))).resolves.toBeUndefined();
    expect((await events('org-a', 'inv-4')).map((e) => e.eventType)).not.toContain('InvoicePaymentApplied');
  });
});
