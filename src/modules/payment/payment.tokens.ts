import type { EventSourcedRepository } from '@gyroscops/ddd';
import type { PaymentCommand, PaymentState } from './domain/payment.decider';
import type { PaymentEvent } from './domain/payment.events';

export const PAYMENT_REPOSITORY = Symbol('PAYMENT_REPOSITORY');

export type PaymentRepository = EventSourcedRepository<PaymentState, PaymentCommand, PaymentEvent>;
