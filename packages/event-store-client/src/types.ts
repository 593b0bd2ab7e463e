/**
 * The shapes of the event store's HTTP API as this client sends and receives them (the service's OpenAPI document,
 * `/docs-json`, is the reference; `test/e2e/client-package/api-types.typecheck.ts` in the service's repository checks that its DTOs
 * still fit these types).
 */

export type JsonObject = { [key: string]: JsonValue };
export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

/** The stream version an append expects: a number (0: no event yet), or one of the words. */
export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

export interface NewEvent<D extends JsonObject = JsonObject> {
  /** Retries with the same ids are idempotent. The client sets a random UUID on every event that has none. */
  eventId?: string;
  eventType: string;
  eventData: D;
  metadata?: JsonObject;
  schemaVersion?: number;
  /** One data subject's personal data: stored encrypted, never searchable, erasable. */
  personal?: { subjectId: string; data: JsonObject };
}

export interface AppendRequest<D extends JsonObject = JsonObject> {
  aggregateType: string;
  expectedVersion: ExpectedVersion;
  events: NewEvent<D>[];
}

export interface AppendResult {
  aggregateId: string;
  /** Version of the first appended event. */
  fromVersion: number;
  /** Stream version after the append. */
  version: number;
  /** Global position of the last appended event. */
  position: number;
  /** The ids of the appended events, in order (the client's, or the ones it generated). */
  eventIds: string[];
}

export interface EventMetadata {
  userId: string;
  organizationId: string;
  source: string;
  [key: string]: unknown;
}

/** An event as the API answers it (stream reads, searches, log pages, the live tail, consumer-group deliveries). */
export interface StoredEvent<D = Record<string, unknown>> {
  eventId: string;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  eventData: D;
  version: number;
  position: number;
  timestamp: string;
  correlationId: string;
  causationId: string | null;
  schemaVersion: number;
  metadata: EventMetadata;
  personal?: { subjectId: string; data: Record<string, unknown> | null; erased?: boolean };
}

export interface StreamSlice {
  aggregateId: string;
  aggregateType: string;
  /** Current stream version, even when the page is empty. */
  version: number;
  events: StoredEvent[];
}

export interface ReadStreamOptions {
  fromVersion?: number;
  maxCount?: number;
  direction?: 'forward' | 'backward';
}

export interface SearchQuery {
  eventType?: string;
  aggregateType?: string;
  aggregateId?: string;
  correlationId?: string;
  causationId?: string;
  userId?: string;
  organizationId?: string;
  q?: string;
  from?: string;
  to?: string;
  size?: number;
  cursor?: string;
  sort?: 'asc' | 'desc';
}

export interface EventPage {
  total: number;
  events: StoredEvent[];
  nextCursor: string | null;
}

/** Server-side filters of the log (a page, the live tail, a consumer group). */
export interface LogFilter {
  /** Keep only events of these types (any of them). */
  eventTypes?: string[];
  aggregateType?: string;
  /** Keep only events of aggregates whose id starts with this. */
  aggregateIdPrefix?: string;
}

export interface ReadLogOptions extends LogFilter {
  /** Events with a greater position: the `checkpoint` of the previous page (default 0). */
  after?: number;
  /** Most events in the page (1-1000, default 100). */
  limit?: number;
}

export interface LogPage {
  /** Matching events, in position order. */
  events: StoredEvent[];
  /** Resume from here: every position up to it has been looked at, including events the filters left out. */
  checkpoint: number;
  /** Highest position allocated so far; `checkpoint < head` means more may be there to read. */
  head: number;
}

// ------------------------------------------------------------------ consumer groups

/** Where a new group starts: the beginning of the log, its end, or after a position. */
export type StartFrom = 'beginning' | 'end' | number;

export interface ConsumerGroupSettings {
  maxAttempts: number;
  ackTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export interface ConsumerGroupSpec {
  filter?: LogFilter;
  startFrom?: StartFrom;
  maxAttempts?: number;
  ackTimeoutMs?: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface ConsumerStatus {
  consumer: string;
  lastSeenAt: string;
  inFlight: number;
  delivered: number;
  acked: number;
  nacked: number;
}

export interface ConsumerGroupStatus {
  name: string;
  organizationId: string;
  allOrganizations: boolean;
  filter: { eventTypes: string[]; aggregateType: string | null; aggregateIdPrefix: string | null };
  settings: ConsumerGroupSettings;
  /** Every event up to it is acknowledged, filtered out, parked or skipped. */
  position: number;
  headPosition: number;
  lag: number;
  pending: number;
  ready: number;
  inFlight: number;
  retrying: number;
  parkedCount: number;
  delivered: number;
  redelivered: number;
  acked: number;
  nacked: number;
  lapsed: number;
  consumers: ConsumerStatus[];
  state: 'running' | 'stopped';
  owner: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PutConsumerGroupResult {
  /** True when the group was created, false when it existed (and was updated or left unchanged). */
  created: boolean;
  status: ConsumerGroupStatus;
}

export interface Delivery<D = Record<string, unknown>> {
  /** Acknowledge or refuse the event with this id. */
  deliveryId: string;
  /** 1 on the first delivery of this event. */
  attempt: number;
  deliveredAt: string;
  /** Past it, the delivery lapses and the event may go to another consumer. */
  deadline: string;
  event: StoredEvent<D>;
}

export interface FetchOptions {
  /** Names the consumer in the group's status (1-128 characters of letters, digits and . _ : @ -). */
  consumer: string;
  /** Most events to receive (1-500, default 100). */
  max?: number;
  /** Longest wait when none is ready (0-30000 ms, default 10000). */
  waitMs?: number;
}

export interface FetchResult {
  deliveries: Delivery[];
  /** The group's checkpoint. */
  position: number;
}

export interface AckResult {
  acked: string[];
  /** No longer this consumer's (lapsed and delivered again, or the group moved): nothing done. */
  stale: string[];
  at: string;
}

export interface NackResult {
  retried: string[];
  parked: string[];
  stale: string[];
  at: string;
}

export interface ParkedEvent {
  eventId: string;
  eventType: string;
  aggregateId: string;
  position: number;
  error: string;
  attempts: number;
  parkedAt: string;
}

export interface ParkedList {
  parked: ParkedEvent[];
  parkedCount: number;
}

/** Admins only: the organization whose group it is (default: the caller's). */
export interface GroupScope {
  organizationId?: string;
}
