import { Query } from '@nestjs/cqrs';
import type { InvoiceStatus } from '../../domain/invoice.events';
import type { InvoiceSummary } from '../../projections/invoices.projection';

export interface InvoicePage {
  total: number;
  items: Omit<InvoiceSummary, 'lines'>[];
  /** Offset of the next page, or null on the last. */
  next: number | null;
}

export interface InvoiceFilters {
  status?: InvoiceStatus;
  period?: string;
  currency?: string;
  size?: number;
  from?: number;
  minPosition?: number;
}

export class ListInvoicesQuery extends Query<InvoicePage> {
  constructor(readonly filters: InvoiceFilters) {
    super();
  }
}
