import type { AllSlice, EventStore, ReadScope, StoredEvent } from '@gyroscops/event-store';

/** Which events of the global log a reader wants; every field narrows, absent fields match everything. */
export interface LogFilter {
  /** Any of these types (empty or absent: every type). */
  eventTypes?: readonly string[];
  aggregateType?: string;
  /** Aggregate ids starting with this string. */
  aggregateIdPrefix?: string;
}

/**
 * A filter plus the tenant scope of the reader: a non-admin sees only its organization's events, an admin every
 * organization's. One predicate for log pages, live streams and consumer groups, so they cannot disagree.
 */
export function logEventMatcher(filter: LogFilter, scope: ReadScope): (event: StoredEvent) => boolean {
  const types = filter.eventTypes && filter.eventTypes.length > 0 ? new Set(filter.eventTypes) : null;
  const { aggregateType, aggregateIdPrefix } = filter;
  return (e) =>
    (scope.isAdmin || e.metadata.organizationId === scope.organizationId) &&
    (types === null || types.has(e.eventType)) &&
    (aggregateType === undefined || e.aggregateType === aggregateType) &&
    (aggregateIdPrefix === undefined || e.aggregateId.startsWith(aggregateIdPrefix));
}

export interface FilteredReadOptions {
  /** Checkpoint to read after (any position, even one inside a multi-event append). */
  after: number;
  /** Most matching events to return. */
  limit: number;
  /** Stop after this many log events were examined, matching or not, so a sparse filter answers promptly. */
  maxScanned?: number;
  /** Log events read per `readAll` call. */
  pageSize?: number;
}

/**
 * The global log after a checkpoint, keeping only the events `matches` accepts, in position order and gap-safe
 * (`readAll` never passes a position that may still commit). The returned checkpoint moves past everything
 * examined, filtered out or returned: a reader resuming from it never reads those positions again, and never
 * misses a matching one. When `limit` is reached inside a page, the checkpoint stops just before the next
 * matching event of that page (positions inside an append are valid checkpoints).
 */
export async function readFilteredLog(
  store: Pick<EventStore, 'readAll'>,
  matches: (event: StoredEvent) => boolean,
  options: FilteredReadOptions,
): Promise<AllSlice> {
  const limit = Math.max(1, options.limit);
  const maxScanned = options.maxScanned ?? Number.POSITIVE_INFINITY;
  const pageSize = options.pageSize ?? 1000;
  const events: StoredEvent[] = [];
  let checkpoint = options.after;
  let head = checkpoint;
  let scanned = 0;
  for (;;) {
    const slice = await store.readAll({ after: checkpoint, maxCount: pageSize });
    head = Math.max(head, slice.head);
    // Nothing resolved past the checkpoint: caught up, or the next position is a write still in flight.
    if (slice.checkpoint <= checkpoint) break;
    for (let i = 0; i < slice.events.length; i++) {
      const e = slice.events[i];
      if (e.position <= checkpoint || !matches(e)) continue;
      if (events.length === limit) return { events, checkpoint: e.position - 1, head };
      events.push(e);
    }
    scanned += slice.events.length;
    checkpoint = slice.checkpoint;
    if (events.length === limit || scanned >= maxScanned || checkpoint >= slice.head) break;
  }
  return { events, checkpoint, head };
}

/** Whether two filters match the same events (event types in any order). */
export function sameFilter(a: LogFilter, b: LogFilter): boolean {
  const types = (f: LogFilter) => [...(f.eventTypes ?? [])].sort().join('\u0000');
  return types(a) === types(b) && a.aggregateType === b.aggregateType && a.aggregateIdPrefix === b.aggregateIdPrefix;
}

/** The filter as a group stores it: event types sorted and unique, absent fields left out. */
export function normalizeFilter(filter: LogFilter): LogFilter {
  const out: LogFilter = {};
  if (filter.eventTypes && filter.eventTypes.length > 0) out.eventTypes = [...new Set(filter.eventTypes)].sort();
  if (filter.aggregateType !== undefined) out.aggregateType = filter.aggregateType;
  if (filter.aggregateIdPrefix !== undefined) out.aggregateIdPrefix = filter.aggregateIdPrefix;
  return out;
}
