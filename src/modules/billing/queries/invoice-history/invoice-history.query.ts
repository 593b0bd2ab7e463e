import { Query } from '@nestjs/cqrs';
import type { HistoryEntry } from '@gyroscops/ddd';

export class InvoiceHistoryQuery extends Query<{ invoiceId: string; history: HistoryEntry[] }> {
  constructor(readonly invoiceId: string) {
    super();
  }
}
