export * from './event-store.port';
export * from './event-store.errors';
export { LIFECYCLE_STREAM, type StreamRetention } from './stream-lifecycle';
export {
  parseTelemetryRetention,
  formatTelemetryRetention,
  telemetryExpired,
  TelemetryRetentionError,
  type TelemetryRetention,
} from './telemetry-retention';
export { EventStoreModule } from './event-store.module';
export { SUBJECT_ID_PATTERN } from './personal-data';
export { EVENT_LIMITS, AGGREGATE_ID_PATTERN, AGGREGATE_TYPE_PATTERN } from './event-validation';
export type { Upcaster } from './upcasting';
export { NO_OBSERVER, type StoreObserver, type AppendOutcome, type StoreStep, type RetryReason } from './store-observer';
export { InMemoryEventStore } from './in-memory/in-memory-event-store.adapter';
export { MAX_PAGE_SIZE } from './cursor';
export type { SearchFieldDeclarations } from './elasticsearch/es-search-fields';
