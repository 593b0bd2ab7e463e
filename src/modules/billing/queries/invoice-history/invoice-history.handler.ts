import { Inject } from '@nestjs/common';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { historyEntry, readScopeOf, type HistoryEntry } from '@gyroscops/ddd';
import { EVENT_STORE, StreamNotFoundError, type EventStore } from '@gyroscops/event-store';
import { INVOICE_AGGREGATE } from '../../domain/invoice.events';
import { InvoiceErrors } from '../../domain/invoice.errors';
import { InvoiceHistoryQuery } from './invoice-history.query';

/** The invoice's events, oldest first: its audit trail, read from the stream (always current). */
@QueryHandler(InvoiceHistoryQuery)
export class InvoiceHistoryHandler implements IQueryHandler<InvoiceHistoryQuery> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ invoiceId }: InvoiceHistoryQuery): Promise<{ invoiceId: string; history: HistoryEntry[] }> {
    const slice = await this.store.readStream(invoiceId, readScopeOf()).catch((e: unknown) => {
      throw e instanceof StreamNotFoundError ? InvoiceErrors.notFound(invoiceId) : e;
    });
    if (slice.aggregateType !== INVOICE_AGGREGATE) throw InvoiceErrors.notFound(invoiceId);
    return { invoiceId, history: slice.events.map(historyEntry) };
  }
}
