import type { estypes } from '@elastic/elasticsearch';
import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { DomainError } from '@gyroscops/ddd';
import { ReadModels, type FilterValue } from '@gyroscops/projections';
import { PAYMENTS_READ_MODEL, paymentSummary, type PaymentDocument } from '../../projections/payments.projection';
import { ListPaymentsQuery, type PaymentPage } from './list-payments.query';

function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const n = /^[1-9]\d{0,15}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n))
    throw new DomainError('PAYMENT.INVALID_CURSOR', 'cursor is not one this service issued', 400, [{ field: 'cursor' }]);
  return n;
}

/**
 * The caller's organization's payments, newest first. The cursor is keyset paging on the creation position
 * (unique, immutable), so pages stay stable and go past 10,000 results.
 */
@QueryHandler(ListPaymentsQuery)
export class ListPaymentsHandler implements IQueryHandler<ListPaymentsQuery> {
  constructor(private readonly readModels: ReadModels) {}

  async execute({ filters }: ListPaymentsQuery): Promise<PaymentPage> {
    const filter: Record<string, FilterValue> = {};
    if (filters.status) filter.status = filters.status;
    if (filters.currency) filter.currency = filters.currency;
    if (filters.invoiceId) filter.invoiceId = filters.invoiceId;
    if (filters.from && filters.to && filters.from > filters.to) {
      throw new DomainError('PAYMENT.INVALID_RANGE', 'from must not be after to', 400, [{ field: 'from' }]);
    }
    const must: estypes.QueryDslQueryContainer[] = [];
    if (filters.from || filters.to) {
      must.push({
        range: {
          createdAt: {
            ...(filters.from ? { gte: filters.from.toISOString() } : {}),
            ...(filters.to ? { lte: filters.to.toISOString() } : {}),
          },
        },
      });
    }
    const withoutCursor = [...must];
    if (filters.cursor) must.push({ range: { createdPosition: { lt: decodeCursor(filters.cursor) } } });
    const size = filters.size ?? 50;
    const [page, all] = await Promise.all([
      this.readModels.search<PaymentDocument>(
        PAYMENTS_READ_MODEL,
        { filter, query: { bool: { filter: must } }, sort: [{ createdPosition: 'desc' }], size },
        { minPosition: filters.minPosition },
      ),
      // The total counts the whole filtered list, not what is left after the cursor.
      filters.cursor
        ? this.readModels.search<PaymentDocument>(PAYMENTS_READ_MODEL, { filter, query: { bool: { filter: withoutCursor } }, size: 0 })
        : null,
    ]);
    const last = page.items[page.items.length - 1];
    return {
      total: (all ?? page).total,
      items: page.items.map(paymentSummary),
      nextCursor: page.items.length === size && last ? Buffer.from(String(last.createdPosition), 'utf8').toString('base64url') : null,
    };
  }
}
