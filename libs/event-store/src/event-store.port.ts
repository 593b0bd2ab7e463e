import type { StreamRetention } from './stream-lifecycle';

/** The event store port: what domain code and the HTTP layer depend on. Adapters: Elasticsearch and in-memory. */
export const EVENT_STORE = Symbol('EVENT_STORE');

export type ExpectedVersion = number | 'any' | 'no_stream' | 'stream_exists';

export interface EventMetadata {
  userId: string;
  organizationId: string;
  source: string;
  [key: string]: unknown;
}

export type JsonObject = { [key: string]: unknown };

/** An event as a writer proposes it. */
export interface NewEvent {
  /** Client-chosen UUID makes retries idempotent; generated when absent. */
  eventId?: string;
  eventType: string;
  eventData: JsonObject;
  /** Extra metadata; `userId`, `organizationId` and `source` always come from the writer's context. */
  metadata?: JsonObject;
  schemaVersion?: number;
  /** Personal data of one data subject, stored encrypted with that subject's key and never indexed (GDPR erasure). */
  personal?: PersonalData;
}

/** An event's personal section: one subject's data, readable until the subject is erased. */
export interface PersonalData {
  /** 1-256 characters of letters, digits and . _ : @ + - (a user id, not an e-mail address, ideally). */
  subjectId: string;
  /** The personal data; null once the subject is erased. */
  data: JsonObject | null;
  /** True once the subject is erased (on reads). */
  erased?: boolean;
}

/** A personal section as stored: AES-256-GCM ciphertext under the subject's key, with the subject id authenticated. */
export interface SealedPersonalData {
  subjectId: string;
  subjectHash: string;
  alg: 'A256GCM';
  iv: string;
  tag: string;
  ciphertext: string;
}

export interface ErasureReport {
  /** SHA-256 of the subject id: what the erasure record keeps. */
  subjectHash: string;
  /** False when the subject had no key (never had personal data stored, or already erased). */
  keyDeleted: boolean;
  /** Streams holding events of the subject (their snapshots are deleted: they may hold decrypted personal data). */
  streamsAffected: number;
}

/** An event as stored and read back. */
export interface StoredEvent {
  eventId: string;
  aggregateId: string;
  aggregateType: string;
  eventType: string;
  eventData: JsonObject;
  /** Position in its stream, 1..N without gaps. */
  version: number;
  /** Position in the global log, increasing in commit order, unique. */
  position: number;
  timestamp: string;
  correlationId: string;
  causationId: string | null;
  schemaVersion: number;
  metadata: EventMetadata;
  /** Present when the event carries personal data (see NewEvent.personal). */
  personal?: PersonalData;
}

/** Who writes, on whose behalf. Stamped on every event; callers cannot forge organization or user through metadata. */
export interface WriteContext {
  correlationId: string;
  causationId: string | null;
  userId: string;
  organizationId: string;
  source: string;
  /** Admins may write into another organization's stream. */
  isAdmin: boolean;
}

/** Who reads: non-admins only ever see their own organization's streams and events. */
export interface ReadScope {
  organizationId: string;
  isAdmin: boolean;
}

export interface AppendOptions {
  aggregateType: string;
  expectedVersion: ExpectedVersion;
  context: WriteContext;
}

export interface AppendResult {
  aggregateId: string;
  /** Version of the first event of this append. */
  fromVersion: number;
  /** Stream version after the append. */
  version: number;
  /** Global position of the last event of this append. */
  position: number;
  events: StoredEvent[];
}

export interface ReadStreamOptions {
  fromVersion?: number;
  maxCount?: number;
  direction?: 'forward' | 'backward';
  /** Only events up to this version (replay "as of"). */
  toVersion?: number;
}

export interface StreamSlice {
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  /** Current stream version, even when the slice is empty. */
  version: number;
  events: StoredEvent[];
}

export interface ReadAllOptions {
  /** Checkpoint: return events with position strictly greater. 0 reads from the start. */
  after: number;
  maxCount?: number;
}

export interface AllSlice {
  events: StoredEvent[];
  /** Checkpoint to resume from: every position up to it is resolved (committed and returned, or known never to commit). */
  checkpoint: number;
  /** Highest position allocated so far; `checkpoint < head` means more may come. */
  head: number;
}

export interface EventQuery {
  aggregateType?: string;
  aggregateId?: string;
  eventType?: string | string[];
  correlationId?: string;
  causationId?: string;
  userId?: string;
  organizationId?: string;
  /** Free text over string values of eventData and metadata. Never parsed as query syntax. */
  q?: string;
  /** Exact filters on eventData leaves, e.g. `{ 'invoiceId': 'inv-1' }`. */
  data?: Record<string, string | number | boolean>;
  from?: Date;
  to?: Date;
  size?: number;
  sort?: 'asc' | 'desc';
  cursor?: string;
}

export interface EventPage {
  /** Exact number of matches. */
  total: number;
  events: StoredEvent[];
  nextCursor: string | null;
}

export interface Snapshot<S = unknown> {
  aggregateId: string;
  aggregateType: string;
  version: number;
  schemaVersion: number;
  state: S;
  timestamp: string;
  /**
   * Ids of the data subjects whose personal data the state may hold (those of the personal sections folded into it).
   * A snapshot naming them is checked once written: when one of them was erased meanwhile it is deleted, and an
   * erasure deletes every snapshot naming its subject. Without them, a snapshot saved after an erasure from a state
   * folded before it is kept.
   */
  subjects?: string[];
}

/** A stream's state besides its events: version, retention and deletion. */
export interface StreamMetadata {
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  /** Last version written (hidden events included). */
  version: number;
  /** Lowest version reads still show (maxAge aside). */
  firstVisibleVersion: number;
  retention: StreamRetention;
  deleted: 'soft' | 'hard' | null;
}

export interface DeleteStreamOptions {
  /** `soft`: hidden from reads and search, restorable, writable again after its last version. `hard`: a tombstone. */
  mode: 'soft' | 'hard';
  reason: string;
  context: WriteContext;
}

export interface ScavengeProgress {
  streamsScanned: number;
  streamsScavenged: number;
  eventsRemoved: number;
  /** Of `eventsRemoved`, the events the store's telemetry retention put out of reach (option `telemetryRetention`). */
  telemetryEventsRemoved: number;
}

/** What a scavenge freed. */
export interface ScavengeReport extends ScavengeProgress {
  /** Log documents whose payload was removed or reduced. */
  logDocumentsRewritten: number;
  /** Approximate payload bytes removed (JSON of the removed events). */
  bytesFreed: number;
  tookMs: number;
}

export interface EventStore {
  appendToStream(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** Throws StreamNotFoundError for unknown streams and for other organizations' streams. */
  readStream(aggregateId: string, scope: ReadScope, options?: ReadStreamOptions): Promise<StreamSlice>;
  /** The ordered global log, for projections and sagas. Not tenant-scoped: system readers only. */
  readAll(options: ReadAllOptions): Promise<AllSlice>;
  headPosition(): Promise<number>;
  getEvent(eventId: string, scope: ReadScope): Promise<StoredEvent>;
  search(query: EventQuery, scope: ReadScope): Promise<EventPage>;
  /** A correlation's events, oldest first. */
  readCorrelation(correlationId: string, scope: ReadScope): Promise<StoredEvent[]>;
  saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void>;
  loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null>;
  /** True when the backing store answers and its indices exist. */
  isReady(): Promise<boolean>;

  // Data lifecycle (admin operations; each is recorded in the LIFECYCLE_STREAM admin stream with who, when and why).
  getStreamMetadata(aggregateId: string, scope: ReadScope): Promise<StreamMetadata>;
  /** Soft delete (restorable) or hard delete (tombstone, payloads purged from every index; the log stays gap-safe). */
  deleteStream(aggregateId: string, options: DeleteStreamOptions): Promise<StreamMetadata>;
  /** Undoes a soft delete. */
  restoreStream(aggregateId: string, options: { reason: string; context: WriteContext }): Promise<StreamMetadata>;
  /** Sets retention (replaces it: absent fields are cleared); reads honour it at once, scavenging frees the disk. */
  setStreamRetention(
    aggregateId: string,
    retention: StreamRetention,
    options: { reason: string; context: WriteContext },
  ): Promise<StreamMetadata>;
  /**
   * GDPR erasure: deletes the subject's key, so every personal section of the subject reads as erased from now on,
   * deletes the snapshots of the streams holding them, and records the erasure (without personal data).
   */
  eraseSubject(subjectId: string, options: { reason: string; context: WriteContext }): Promise<ErasureReport>;
  /**
   * Removes what retention, soft deletion and the store's telemetry retention hide from disk (search documents,
   * event ids, log payloads; the log's positions stay resolved).
   */
  scavenge(options?: { onProgress?(progress: ScavengeProgress): void }): Promise<ScavengeReport>;
}
