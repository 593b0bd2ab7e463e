export * from './event-store.port';
export * from './event-store.errors';
export { LIFECYCLE_STREAM, LIFECYCLE_AGGREGATE_TYPE, type StreamRetention } from './stream-lifecycle';
export * from './event-store.module';
export * from './event-store.health';
export { SUBJECT_ID_PATTERN } from './personal-data';
export { EVENT_LIMITS, AGGREGATE_ID_PATTERN, AGGREGATE_TYPE_PATTERN } from './event-validation';
export type { Upcaster } from './upcasting';
export { NO_OBSERVER, type StoreObserver, type AppendOutcome, type StoreStep, type RetryReason } from './store-observer';
export { ElasticsearchEventStore, type EsEventStoreOptions } from './elasticsearch/es-event-store.adapter';
export { InMemoryEventStore } from './in-memory/in-memory-event-store.adapter';
export { ensureIndices, dropIndices, indexNames, type IndexNames } from './elasticsearch/es-indices';
export { eventFilters, tenantFilter, MAX_PAGE_SIZE } from './elasticsearch/es-query';
export type { SearchFieldDeclarations, NumericFieldDeclaration, KeywordFieldDeclaration } from './elasticsearch/es-search-fields';
/** The searchable document the events index holds per event, and its id (tooling, benchmarks, other services). */
export { toSearchDocument, eventDocumentId } from './elasticsearch/es-search-fields';
