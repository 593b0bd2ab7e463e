import type { Client } from '@elastic/elasticsearch';
import type { StoreObserver } from '../store-observer';
import type { TelemetryRetention } from '../telemetry-retention';
import type { Upcaster } from '../upcasting';
import type { ProtocolFaults } from './es-commit-types';
import type { StoreLogger } from './es-context';
import type { EventsIndexLayout } from './es-events-layout';
import type { SearchFieldDeclarations } from './es-search-fields';

/** What an ElasticsearchEventStore is built with: where, the bounds of batches and leases, and hooks. */
export interface EsEventStoreOptions {
  client: Client;
  indexPrefix: string;
  numberOfReplicas?: number;
  /**
   * The events index's primary shards (default 1) and routing (`none` by default, or `organization`: a tenant's search
   * reads one shard). Fixed when the index is created: set-up refuses an existing index laid out otherwise.
   */
  eventsIndex?: Partial<EventsIndexLayout>;
  searchFields?: SearchFieldDeclarations;
  upcasters?: Upcaster[];
  /** How long a writer's claim on a stream lasts before others may resolve it (crash recovery bound). */
  leaseMs?: number;
  /** How long a global-log reader waits on an allocated, uncommitted position before fencing it off. */
  gapTimeoutMs?: number;
  /** Upper bound for one append, queueing and retries included. */
  appendTimeoutMs?: number;
  maxBatchAppends?: number;
  maxBatchEvents?: number;
  /**
   * Upper bound on the payload bytes of one batch (an append larger than this goes alone): keeps every bulk well under
   * Elasticsearch's `http.max_content_length` (100 MB), counting the derived documents' copies of the payload.
   */
  maxBatchBytes?: number;
  maxConcurrentBatches?: number;
  refreshInterval?: string;
  logger?: StoreLogger;
  /** How often each instance looks for leases nobody came back to (a writer that died, derived writes that failed). */
  sweepIntervalMs?: number;
  /** Source of event timestamps (tests and data generators spread events over time); defaults to the system clock. */
  clock?: () => Date;
  /**
   * Event types that are pure telemetry, with the age (seconds) past which their events are out of reach for every
   * read (stream, global log, search, by id) and removed by scavenging. The admin stream is never affected.
   */
  telemetryRetention?: TelemetryRetention;
  /** Test-only fault injection between protocol steps: a promise that never settles is a writer that died there. */
  faults?: ProtocolFaults;
  /**
   * Appends to new streams (`no_stream`) skip round 1: their positions are claimed from the cached counter inside the
   * lease bulk (README "Appending"). On by default; off runs every append through round 1 (comparisons, diagnosis).
   */
  claimPositionsInLease?: boolean;
  /**
   * How long (ms) a committed head of a contended stream (appends of it queued while one was committing, within the
   * last second) waits unfinalised for the stream's next append in this process, whose lease then finalises it
   * (README "Appending", step 5). Default 5; 0 finalises every head at once.
   */
  hotStreamLingerMs?: number;
  /** Metrics hooks (appends, batches, round trips, conflicts, retries, fences, lease takeovers); none by default. */
  observer?: StoreObserver;
}
