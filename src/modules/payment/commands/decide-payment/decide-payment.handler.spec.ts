import { randomUUID } from 'node:crypto';
import { EventSourcedRepository, DomainError } from '@gyroscops/ddd';
import { runAs } from '@gyroscops/ddd/testing';
import { InMemoryEventStore } from '@gyroscops/event-store';
import { paymentDecider } from '../../domain/payment.decider';
import { DecidePaymentCommand } from './decide-payment.command';
import { DecidePaymentHandler } from './decide-payment.handler';

describe('DecidePaymentHandler against the in-memory store', () => {
  const store = new InMemoryEventStore();
  const payments = new DecidePaymentHandler(new EventSourcedRepository(store, paymentDecider));
  const process = (commandId: string, paymentId: string, amount: unknown, currency: unknown) =>
    payments.execute(new DecidePaymentCommand(commandId, { kind: 'ProcessPayment', paymentId, amount, currency }));
  const refund = (commandId: string, paymentId: string, amount: unknown) =>
    payments.execute(new DecidePaymentCommand(commandId, { kind: 'RefundPayment', paymentId, amount }));
  const run = runAs();

  it('records PaymentProcessed with the caller, the correlation and the command as causation', async () => {
    const commandId = randomUUID();
    const r = await run(() => process(commandId, 'p-1', '100.00', 'EUR'));
    expect(r.version).toBe(1);
    const [e] = (await store.readStream('p-1', { organizationId: 'org-a', isAdmin: false })).events;
    expect(e).toMatchObject({
      eventType: 'PaymentProcessed',
      correlationId: 'corr-1',
      causationId: commandId,
      metadata: { userId: 'alice', organizationId: 'org-a', source: 'api' },
    });
  });

  it('answers a repeated command (same id) with the first result and stores nothing new', async () => {
    const commandId = randomUUID();
    const first = await run(() => process(commandId, 'p-2', 5, 'EUR'));
    const again = await run(() => process(commandId, 'p-2', 5, 'EUR'));
    expect(again).toMatchObject({ aggregateId: 'p-2', version: first.version, position: first.position });
    expect((await store.readStream('p-2', { organizationId: 'org-a', isAdmin: false })).version).toBe(1);
  });

  it('refuses a second processing of the same payment with PAYMENT.ALREADY_PROCESSED', async () => {
    await run(() => process(randomUUID(), 'p-3', 5, 'EUR'));
    await expect(run(() => process(randomUUID(), 'p-3', 5, 'EUR'))).rejects.toMatchObject({
      code: 'PAYMENT.ALREADY_PROCESSED',
    });
  });

  it('never lets concurrent refunds exceed what was paid', async () => {
    await run(() => process(randomUUID(), 'p-4', '10.00', 'EUR'));
    const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => run(() => refund(randomUUID(), 'p-4', '3.00'))));
    const ok = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(ok).toBe(3);
    for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(DomainError);
    const slice = await store.readStream('p-4', { organizationId: 'org-a', isAdmin: false });
    expect(slice.events.at(-1)?.eventData).toMatchObject({ refundedTotal: '9.00' });
  });
});
