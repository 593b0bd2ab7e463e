import type { estypes } from '@elastic/elasticsearch';
import { MAX_PAGE_SIZE, type SortValue } from '../cursor';
import { InvalidQueryError } from '../event-store.errors';
import type { EventQuery, ReadScope } from '../event-store.port';
import { DERIVED_FIELDS, flatKey } from './es-search-fields';
import { LIFECYCLE_STREAM } from '../stream-lifecycle';
import { telemetryCutoffs, type TelemetryRetention } from '../telemetry-retention';

/** The tenant filter every read path goes through: non-admins see only their organization. */
export function tenantFilter(scope: ReadScope): estypes.QueryDslQueryContainer[] {
  return scope.isAdmin ? [] : [{ term: { organizationId: scope.organizationId } }];
}

/** Filters shared by search and analytics. Free text is a `match` query: user input never reaches a query parser. */
export function eventFilters(query: Omit<EventQuery, 'size' | 'sort' | 'cursor'>, scope: ReadScope): estypes.QueryDslQueryContainer[] {
  const filter: estypes.QueryDslQueryContainer[] = [...tenantFilter(scope)];
  const term = (field: string, value: string | undefined) => {
    if (value !== undefined && value !== '') filter.push({ term: { [field]: value } });
  };
  term('aggregateType', query.aggregateType);
  term('aggregateId', query.aggregateId);
  if (Array.isArray(query.eventType)) {
    if (query.eventType.length > 0) filter.push({ terms: { eventType: query.eventType } });
  } else term('eventType', query.eventType);
  term('correlationId', query.correlationId);
  term('causationId', query.causationId);
  term('userId', query.userId);
  term('organizationId', query.organizationId);
  for (const [k, v] of Object.entries(query.data ?? {})) filter.push({ term: { [`dataFlat.${flatKey(k)}`]: String(v) } });
  if (query.from || query.to) {
    if (query.from && query.to && query.from.getTime() > query.to.getTime()) {
      throw new InvalidQueryError('from must not be after to', [{ field: 'from' }]);
    }
    filter.push({
      range: {
        timestamp: { ...(query.from ? { gte: query.from.toISOString() } : {}), ...(query.to ? { lte: query.to.toISOString() } : {}) },
      },
    });
  }
  if (query.q !== undefined && query.q.trim() !== '') {
    filter.push({ match: { text: { query: query.q.slice(0, 1000), operator: 'and' } } });
  }
  return filter;
}

/**
 * What the store's telemetry retention hides at `now`, as `must_not` clauses over the events index: for each retained
 * type, its events older than its age (never the admin stream's).
 */
export function telemetryHidden(retention: TelemetryRetention | undefined, now: number): estypes.QueryDslQueryContainer[] {
  return telemetryCutoffs(retention, now).map(({ eventType, before }) => ({
    bool: {
      filter: [{ term: { eventType } }, { range: { timestamp: { lt: before } } }],
      must_not: [{ term: { aggregateId: LIFECYCLE_STREAM } }],
    },
  }));
}

export function buildSearchRequest(
  index: string,
  query: EventQuery,
  scope: ReadScope,
  searchAfter?: SortValue[],
  hidden: estypes.QueryDslQueryContainer[] = [],
): estypes.SearchRequest {
  const size = Math.min(Math.max(query.size ?? 100, 1), MAX_PAGE_SIZE);
  const order = query.sort ?? 'desc';
  return {
    index,
    size,
    track_total_hits: true,
    query: { bool: { filter: eventFilters(query, scope), ...(hidden.length > 0 ? { must_not: hidden } : {}) } },
    // (timestamp, position) is unique and never changes: search_after pages are stable and go past 10,000 hits.
    sort: [{ timestamp: { order } }, { position: { order } }],
    ...(searchAfter ? { search_after: searchAfter } : {}),
    _source: { excludes: DERIVED_FIELDS },
  };
}
