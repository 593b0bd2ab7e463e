import type { DomainEvent } from '@gyroscops/ddd';

export type PaymentStatus = 'completed' | 'partially_refunded' | 'refunded';

export type PaymentProcessed = DomainEvent<
  'PaymentProcessed',
  {
    paymentId: string;
    amount: string;
    amountMinor: number;
    currency: string;
    status: 'completed';
    invoiceId?: string;
    description?: string;
  }
>;

export type PaymentRefunded = DomainEvent<
  'PaymentRefunded',
  {
    paymentId: string;
    amount: string;
    amountMinor: number;
    currency: string;
    reason?: string;
    refundedTotal: string;
    refundedTotalMinor: number;
    status: Exclude<PaymentStatus, 'completed'>;
    invoiceId?: string;
  }
>;

export type PaymentEvent = PaymentProcessed | PaymentRefunded;
export const PAYMENT_EVENT_TYPES: PaymentEvent['type'][] = ['PaymentProcessed', 'PaymentRefunded'];
export const PAYMENT_AGGREGATE = 'Payment';
