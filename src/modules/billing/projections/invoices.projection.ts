import { aggregateProjection, aggregateSummary, type AggregateDocument, type AggregateSummary } from '@gyroscops/projections';
import { evolveInvoice, initialInvoiceState, invoiceView, type InvoiceState } from '../domain/invoice.decider';
import { INVOICE_AGGREGATE, INVOICE_EVENT_TYPES, type InvoiceEvent } from '../domain/invoice.events';

export const INVOICES_READ_MODEL = 'invoices';

export type InvoiceView = ReturnType<typeof invoiceView>;
/** An invoice as the API shows it, plus when it was created and last changed, and its stream version. */
export type InvoiceSummary = AggregateSummary<InvoiceView>;
export type InvoiceDocument = AggregateDocument<InvoiceState, InvoiceView>;

/** The invoices read model: the aggregate's own fold, so the API's view of an invoice and a replay can never disagree. */
export const invoicesProjection = aggregateProjection<InvoiceState, InvoiceView, InvoiceEvent>({
  name: INVOICES_READ_MODEL,
  version: 1,
  aggregateType: INVOICE_AGGREGATE,
  eventTypes: INVOICE_EVENT_TYPES,
  initialState: initialInvoiceState,
  evolve: evolveInvoice,
  view: invoiceView,
  fields: {
    invoiceId: { type: 'keyword' },
    period: { type: 'keyword' },
    currency: { type: 'keyword' },
    status: { type: 'keyword' },
    totalMinor: { type: 'long' },
  },
});

export const invoiceSummary = (doc: InvoiceDocument): InvoiceSummary => aggregateSummary(doc);
