import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '@gyroscops/event-store';
import type { ProjectionDefinition } from '@gyroscops/projections';
import { evolvePayment, initialPaymentState, paymentView, type PaymentState } from '../domain/payment.decider';
import { PAYMENT_AGGREGATE, PAYMENT_EVENT_TYPES, type PaymentEvent } from '../domain/payment.events';

export const PAYMENTS_READ_MODEL = 'payments';

export type PaymentSummary = ReturnType<typeof paymentView> & {
  organizationId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Global position of the payment's first event: a total order of creation, used as the list cursor. */
  createdPosition: number;
};

export type PaymentDocument = PaymentSummary & { state: PaymentState };

const mappings: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    paymentId: { type: 'keyword' },
    currency: { type: 'keyword' },
    status: { type: 'keyword' },
    invoiceId: { type: 'keyword' },
    version: { type: 'long' },
    createdAt: { type: 'date' },
    createdPosition: { type: 'long' },
    updatedAt: { type: 'date' },
    state: { type: 'object', enabled: false },
  },
};

/** The payments read model: the decider's own fold, so the API's view and a replay can never disagree. */
export const paymentsProjection: ProjectionDefinition<PaymentDocument> = {
  name: PAYMENTS_READ_MODEL,
  version: 1,
  eventTypes: PAYMENT_EVENT_TYPES,
  idOf: (e: StoredEvent) => (e.aggregateType === PAYMENT_AGGREGATE ? e.aggregateId : null),
  evolve(doc: PaymentDocument | null, e: StoredEvent): PaymentDocument {
    const state = evolvePayment(doc?.state ?? initialPaymentState(), { type: e.eventType, data: e.eventData } as PaymentEvent);
    return {
      ...paymentView(state),
      organizationId: e.metadata.organizationId,
      version: e.version,
      createdAt: doc?.createdAt ?? e.timestamp,
      createdPosition: doc?.createdPosition ?? e.position,
      updatedAt: e.timestamp,
      state,
    };
  },
  mappings,
};

export function paymentSummary(doc: PaymentDocument): PaymentSummary {
  const { state: _state, ...summary } = doc;
  return summary;
}
