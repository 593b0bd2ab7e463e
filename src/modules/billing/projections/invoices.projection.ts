import type { estypes } from '@elastic/elasticsearch';
import type { ProjectionDefinition } from '@gyroscops/projections';
import type { StoredEvent } from '@gyroscops/event-store';
import { evolveInvoice, initialInvoiceState, invoiceView, type InvoiceState } from '../domain/invoice.decider';
import { INVOICE_AGGREGATE, INVOICE_EVENT_TYPES, type InvoiceEvent } from '../domain/invoice.events';

export const INVOICES_READ_MODEL = 'invoices';

export type InvoiceView = ReturnType<typeof invoiceView>;

/** An invoice as the API shows it, plus when it was created and last changed, and its stream version. */
export type InvoiceSummary = InvoiceView & {
  organizationId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
  createdPosition: number;
};

/** The stored document: the summary and the decider's state it is folded from (not indexed). */
export type InvoiceDocument = InvoiceSummary & { state: InvoiceState };

const mappings: estypes.MappingTypeMapping = {
  dynamic: false,
  properties: {
    invoiceId: { type: 'keyword' },
    period: { type: 'keyword' },
    currency: { type: 'keyword' },
    status: { type: 'keyword' },
    totalMinor: { type: 'long' },
    version: { type: 'long' },
    createdAt: { type: 'date' },
    createdPosition: { type: 'long' },
    updatedAt: { type: 'date' },
    state: { type: 'object', enabled: false },
  },
};

/**
 * The invoices read model: the same fold as the aggregate (the decider's `evolve`), so the API's view of an
 * invoice and a replay of its stream can never disagree.
 */
export const invoicesProjection: ProjectionDefinition<InvoiceDocument> = {
  name: INVOICES_READ_MODEL,
  version: 1,
  eventTypes: INVOICE_EVENT_TYPES,
  idOf: (e: StoredEvent) => (e.aggregateType === INVOICE_AGGREGATE ? e.aggregateId : null),
  evolve(doc: InvoiceDocument | null, e: StoredEvent): InvoiceDocument {
    const state = evolveInvoice(doc?.state ?? initialInvoiceState(), { type: e.eventType, data: e.eventData } as InvoiceEvent);
    return {
      ...invoiceView(state),
      organizationId: e.metadata.organizationId,
      version: e.version,
      createdAt: doc?.createdAt ?? e.timestamp,
      // Global position of the first event: a total order of creation (timestamps can tie).
      createdPosition: doc?.createdPosition ?? e.position,
      updatedAt: e.timestamp,
      state,
    };
  },
  mappings,
};

export function invoiceSummary(doc: InvoiceDocument): InvoiceSummary {
  const { state: _state, ...summary } = doc;
  return summary;
}
