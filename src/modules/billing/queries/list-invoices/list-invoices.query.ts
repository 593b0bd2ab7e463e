import { Query } from '@nestjs/cqrs';
import type { ReadModelListPage } from '../../../../common/read-models/keyset-page';
import type { TimeRange } from '../../../../common/time/time-bound';
import type { InvoiceStatus } from '../../domain/invoice.events';
import type { InvoiceSummary } from '../../projections/invoices.projection';

export type InvoicePage = ReadModelListPage<Omit<InvoiceSummary, 'lines'>>;

export interface InvoiceFilters {
  status?: InvoiceStatus;
  period?: string;
  currency?: string;
  /** On the creation time. */
  range: TimeRange;
  size?: number;
  cursor?: string;
  minPosition?: number;
}

export class ListInvoicesQuery extends Query<InvoicePage> {
  constructor(readonly filters: InvoiceFilters) {
    super();
  }
}
