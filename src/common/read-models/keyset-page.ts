import type { estypes } from '@elastic/elasticsearch';
import type { FilterValue, ReadModels } from '@gyroscops/projections';
import type { TimeRange } from '../time/time-bound';
import { DEFAULT_PAGE_SIZE } from '../dto/list-query.dto';

/** A page of a read-model list: the API's one page shape for lists of aggregates. */
export interface ReadModelListPage<T> {
  /** Exact number of items matching the filters (whatever the cursor). */
  total: number;
  items: T[];
  /** Pass back as `cursor`; null on the last page. */
  nextCursor: string | null;
}

export interface ReadModelListQuery {
  filter: Record<string, FilterValue>;
  /** On the documents' creation time (`createdAt`). */
  range: TimeRange;
  size?: number;
  /** The nextCursor of the previous page: a creation position (validated by PositionPageQueryDto). */
  cursor?: string;
  minPosition?: number;
}

/**
 * Newest first, keyset paging on the creation position (unique and immutable): pages stay stable under writes and
 * go past 10,000 items, which offsets cannot. Used by every list of aggregates (payments, invoices, workflows).
 */
export async function readModelList<D extends { createdPosition: number }, T>(
  readModels: ReadModels,
  name: string,
  q: ReadModelListQuery,
  toItem: (doc: D) => T,
): Promise<ReadModelListPage<T>> {
  if (q.range.empty) return { total: 0, items: [], nextCursor: null };
  const must: estypes.QueryDslQueryContainer[] = [];
  if (q.range.from || q.range.to) {
    must.push({
      range: {
        createdAt: {
          ...(q.range.from ? { gte: q.range.from.toISOString() } : {}),
          ...(q.range.to ? { lte: q.range.to.toISOString() } : {}),
        },
      },
    });
  }
  const withoutCursor = [...must];
  if (q.cursor !== undefined) must.push({ range: { createdPosition: { lt: Number(q.cursor) } } });
  const size = q.size ?? DEFAULT_PAGE_SIZE;
  const [page, all] = await Promise.all([
    readModels.search<D>(
      name,
      { filter: q.filter, query: { bool: { filter: must } }, sort: [{ createdPosition: 'desc' }], size },
      { minPosition: q.minPosition },
    ),
    // The total counts the whole filtered list, not what is left after the cursor.
    q.cursor !== undefined ? readModels.search<D>(name, { filter: q.filter, query: { bool: { filter: withoutCursor } }, size: 0 }) : null,
  ]);
  const last = page.items[page.items.length - 1];
  return {
    total: (all ?? page).total,
    items: page.items.map(toItem),
    nextCursor: page.items.length === size && last ? String(last.createdPosition) : null,
  };
}
