import type { StoredEvent } from '@gyroscops/event-store';
import { paymentSummary, paymentsProjection } from './payments.projection';

const event = (version: number, eventType: string, eventData: Record<string, unknown>): StoredEvent => ({
  eventId: `e${version}`,
  aggregateId: 'p-1',
  aggregateType: 'Payment',
  eventType,
  eventData,
  version,
  position: 100 + version,
  timestamp: `2026-01-0${version}T00:00:00.000Z`,
  correlationId: 'c',
  causationId: null,
  schemaVersion: 1,
  metadata: { userId: 'u', organizationId: 'org-a', source: 'api' },
});

describe('payments projection', () => {
  it('folds a payment and its refunds into the same view as a replay', () => {
    const e1 = event(1, 'PaymentProcessed', { paymentId: 'p-1', amount: '10.00', amountMinor: 1000, currency: 'EUR', status: 'completed' });
    const e2 = event(2, 'PaymentRefunded', {
      paymentId: 'p-1',
      amount: '4.00',
      amountMinor: 400,
      currency: 'EUR',
      refundedTotal: '4.00',
      refundedTotalMinor: 400,
      status: 'partially_refunded',
    });
    const doc = paymentsProjection.evolve(paymentsProjection.evolve(null, e1), e2);
    expect(paymentSummary(doc as NonNullable<typeof doc>)).toEqual({
      paymentId: 'p-1',
      amount: '10.00',
      currency: 'EUR',
      status: 'partially_refunded',
      refunded: '4.00',
      organizationId: 'org-a',
      version: 2,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-02T00:00:00.000Z',
      createdPosition: 101,
    });
  });
  it('ignores streams of other aggregate types', () => {
    expect(paymentsProjection.idOf({ ...event(1, 'PaymentProcessed', {}), aggregateType: 'Invoice' })).toBeNull();
  });
});
