/**
 * The event store's Elasticsearch entry (`@gyroscops/event-store/elasticsearch`): for code that reads or manages the
 * store's indices directly (analytics, benchmarks, backup, integration tests). Services that only append and read
 * use `@gyroscops/event-store`.
 */
export { ElasticsearchEventStore } from './es-event-store.adapter';
export type { EsEventStoreOptions } from './es-options';
export { dropIndices, indexNames, type IndexNames } from './es-indices';
/** The events index's shards and routing (store option `eventsIndex`), and the routing a search of it passes. */
export {
  DEFAULT_EVENTS_LAYOUT,
  EVENTS_ROUTINGS,
  EventsIndexLayoutError,
  MAX_EVENTS_SHARDS,
  existingEventsLayout,
  searchRouting,
  type EventsIndexLayout,
  type EventsRouting,
} from './es-events-layout';
export { eventFilters, telemetryHidden } from './es-query';
/** The searchable document the events index holds per event, and its id (tooling, benchmarks, other services). */
export { toSearchDocument, eventDocumentId } from './es-search-fields';
export { eventsIndexFields } from './es-index-schema';
/** Elasticsearch error helpers for libraries that talk to the same cluster (one list of transient failures). */
export { statusOf, errorTypeOf, isTransientElasticsearchError, bulkItemTransient, failOnItemErrors, MgetItemError } from './es-errors';
/** The wait their retries use: the global setTimeout, which the correctness harness replaces with virtual time. */
export { sleep } from './es-context';
