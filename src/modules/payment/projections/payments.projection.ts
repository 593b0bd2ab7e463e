import { aggregateProjection, aggregateSummary, type AggregateDocument, type AggregateSummary } from '@gyroscops/projections';
import { evolvePayment, initialPaymentState, paymentView, type PaymentState } from '../domain/payment.decider';
import { PAYMENT_AGGREGATE, PAYMENT_EVENT_TYPES, type PaymentEvent } from '../domain/payment.events';

export const PAYMENTS_READ_MODEL = 'payments';

type PaymentView = ReturnType<typeof paymentView>;
export type PaymentSummary = AggregateSummary<PaymentView>;
export type PaymentDocument = AggregateDocument<PaymentState, PaymentView>;

/** The payments read model: the decider's own fold, so the API's view and a replay can never disagree. */
export const paymentsProjection = aggregateProjection<PaymentState, PaymentView, PaymentEvent>({
  name: PAYMENTS_READ_MODEL,
  version: 1,
  aggregateType: PAYMENT_AGGREGATE,
  eventTypes: PAYMENT_EVENT_TYPES,
  initialState: initialPaymentState,
  evolve: evolvePayment,
  view: paymentView,
  fields: { paymentId: { type: 'keyword' }, currency: { type: 'keyword' }, status: { type: 'keyword' }, invoiceId: { type: 'keyword' } },
});

export const paymentSummary = (doc: PaymentDocument): PaymentSummary => aggregateSummary(doc);
