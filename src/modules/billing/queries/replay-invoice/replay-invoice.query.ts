import { Query } from '@nestjs/cqrs';
import type { invoiceView } from '../../domain/invoice.decider';

export type InvoiceReplay = ReturnType<typeof invoiceView> & { version: number; asOf: string | null };

export class ReplayInvoiceQuery extends Query<InvoiceReplay> {
  constructor(
    readonly invoiceId: string,
    readonly version?: number,
    readonly at?: Date,
  ) {
    super();
  }
}
