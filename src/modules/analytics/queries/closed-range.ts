import type { ReadScope } from '@gyroscops/event-store';
import type { AnalyticsReader, EventFilter } from '../analytics.port';

export type ClosedFilter = EventFilter & { from: Date; to: Date };

/**
 * Closes a filter's open bounds at its first and last matching event, so the bucket limit judges the series that
 * would really be produced and the figures read one fixed range. Null when nothing matches (or from is after to).
 */
export async function closedRange(reader: AnalyticsReader, filter: EventFilter, scope: ReadScope): Promise<ClosedFilter | null> {
  // From after to is an empty range: nothing can match.
  if (filter.from && filter.to && filter.from.getTime() > filter.to.getTime()) return null;
  if (filter.from && filter.to) return { ...filter, from: filter.from, to: filter.to };
  const extent = await reader.extent(filter, scope);
  if (extent.count === 0 || extent.first === null || extent.last === null) return null;
  return { ...filter, from: filter.from ?? new Date(extent.first), to: filter.to ?? new Date(extent.last) };
}
