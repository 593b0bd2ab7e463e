import { DuplicateEventError, EventNotFoundError, InvalidQueryError, StreamDeletedError, StreamNotFoundError } from '../event-store.errors';
import {
  assertNotProtected,
  emptyScavengeReport,
  LIFECYCLE_AGGREGATE_TYPE,
  LIFECYCLE_STREAM,
  firstVisibleVersion,
  lifecycleEvent,
  retentionOf,
  streamExists,
  streamMetadata,
  validateRetention,
  withRetention,
  withinMaxAge,
  type StreamLifecycle,
  type StreamRetention,
} from '../stream-lifecycle';
import type {
  AllSlice,
  AppendOptions,
  AppendResult,
  DeleteStreamOptions,
  ErasureReport,
  EventPage,
  EventQuery,
  EventStore,
  NewEvent,
  ReadAllOptions,
  ReadScope,
  ReadStreamOptions,
  ScavengeProgress,
  ScavengeReport,
  Snapshot,
  StoredEvent,
  StreamMetadata,
  StreamSlice,
  WriteContext,
} from '../event-store.port';
import { decideAppend } from '../append-decision';
import { assertAggregateId, buildEnvelopes, validateAppend, validateWriteContext } from '../event-validation';
import type { EventLocation } from '../idempotency';
import { InMemorySubjectKeys, openEvents, sealEvents, subjectHash, validatePersonal } from '../personal-data';
import { UpcasterRegistry, type Upcaster } from '../upcasting';
import { MAX_PAGE_SIZE, decodeCursor, encodeCursor } from '../cursor';
import { matchesQuery } from './in-memory-query';
import { telemetryExpired, validateTelemetryRetention, type TelemetryRetention } from '../telemetry-retention';

interface Stream {
  aggregateType: string;
  organizationId: string;
  events: StoredEvent[];
  lifecycle: StreamLifecycle;
}

const clone = <T>(v: T): T => structuredClone(v);

/** In-memory adapter of the same port, for fast unit tests of domain logic. Passes the same contract suite. */
export class InMemoryEventStore implements EventStore {
  private readonly streams: Map<string, Stream>;
  private readonly log: StoredEvent[];
  private readonly byEventId: Map<string, EventLocation>;
  private readonly snapshots: Map<string, Snapshot & { organizationId: string }>;
  /** Log positions whose payload a hard delete or a scavenge removed: readers pass over them. */
  private readonly purged: Set<number>;
  private readonly keys: InMemorySubjectKeys;
  private readonly upcasters: UpcasterRegistry;
  private readonly clock: () => Date;
  private readonly telemetry: TelemetryRetention | undefined;

  /** `shared`: another view of that store's data (same streams and log), with these options. */
  constructor(
    options: { upcasters?: Upcaster[]; clock?: () => Date; telemetryRetention?: TelemetryRetention } = {},
    shared?: InMemoryEventStore,
  ) {
    if (options.telemetryRetention) validateTelemetryRetention(options.telemetryRetention);
    this.upcasters = new UpcasterRegistry(options.upcasters);
    this.clock = options.clock ?? shared?.clock ?? (() => new Date());
    this.telemetry = options.telemetryRetention ?? shared?.telemetry;
    this.streams = shared?.streams ?? new Map();
    this.log = shared?.log ?? [];
    this.byEventId = shared?.byEventId ?? new Map();
    this.snapshots = shared?.snapshots ?? new Map();
    this.purged = shared?.purged ?? new Set();
    this.keys = shared?.keys ?? new InMemorySubjectKeys();
  }

  /** Another view of the same data with other upcasters (as a second service version would see it). */
  withUpcasters(upcasters: Upcaster[]): InMemoryEventStore {
    return new InMemoryEventStore({ upcasters, clock: this.clock, telemetryRetention: this.telemetry }, this);
  }

  async appendToStream(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    validateAppend(aggregateId, options.aggregateType, events, options.expectedVersion);
    validateWriteContext(options.context);
    events = await sealEvents(events, this.keys);
    const { context: ctx, expectedVersion } = options;
    const stream = this.streams.get(aggregateId);
    const decision = decideAppend(
      { aggregateId, aggregateType: options.aggregateType, events, expectedVersion, ctx },
      stream
        ? {
            version: stream.events.length,
            organizationId: stream.organizationId,
            aggregateType: stream.aggregateType,
            lifecycle: stream.lifecycle,
          }
        : null,
      this.byEventId,
    );
    if (decision.kind === 'already-stored') {
      const stored = (stream as Stream).events.slice(decision.fromVersion - 1, decision.toVersion);
      if (stored.some((e) => !this.isVisible(e))) {
        // Stored once, then hidden (soft delete, retention): the retry cannot be answered with them.
        throw new DuplicateEventError(stored[0].eventId, aggregateId, decision.fromVersion);
      }
      return {
        aggregateId,
        fromVersion: decision.fromVersion,
        version: decision.toVersion,
        position: stored[stored.length - 1].position,
        events: await openEvents(clone(stored), this.keys),
      };
    }
    const version = decision.fromVersion - 1;
    const organizationId = decision.organizationId;
    const envelopes = buildEnvelopes(
      aggregateId,
      options.aggregateType,
      organizationId,
      clone(events),
      ctx,
      version + 1,
      this.log.length + 1,
      this.clock().toISOString(),
    );
    const target = stream ?? { aggregateType: options.aggregateType, organizationId, events: [], lifecycle: {} };
    target.events.push(...envelopes);
    this.streams.set(aggregateId, target);
    for (const e of envelopes) {
      this.log.push(e);
      this.byEventId.set(e.eventId, { aggregateId, version: e.version });
    }
    return {
      aggregateId,
      fromVersion: version + 1,
      version: version + envelopes.length,
      position: this.log.length,
      events: await openEvents(clone(envelopes), this.keys),
    };
  }

  async readStream(aggregateId: string, scope: ReadScope, options: ReadStreamOptions = {}): Promise<StreamSlice> {
    assertAggregateId(aggregateId);
    const stream = this.streams.get(aggregateId);
    if (
      !stream ||
      !streamExists(stream.lifecycle, stream.events.length) ||
      !(scope.isAdmin || scope.organizationId === stream.organizationId)
    ) {
      throw new StreamNotFoundError(aggregateId);
    }
    const version = stream.events.length;
    const upper = Math.min(version, options.toVersion ?? version);
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    const lowest = firstVisibleVersion(stream.lifecycle, version);
    const now = this.clock().getTime();
    const visible = (e: StoredEvent) =>
      e.version >= lowest &&
      !this.purged.has(e.position) &&
      withinMaxAge(stream.lifecycle, e.timestamp, now) &&
      !telemetryExpired(this.telemetry, e, now);
    let events: StoredEvent[];
    if ((options.direction ?? 'forward') === 'forward') {
      events = stream.events
        .slice(Math.max(1, options.fromVersion ?? 1) - 1, upper)
        .filter(visible)
        .slice(0, maxCount);
    } else {
      const from = Math.min(upper, options.fromVersion ?? upper);
      events = stream.events.slice(0, Math.max(0, from)).reverse().filter(visible).slice(0, maxCount);
    }
    return {
      aggregateId,
      aggregateType: stream.aggregateType,
      organizationId: stream.organizationId,
      version,
      events: await this.present(events),
    };
  }

  async readAll({ after, maxCount = 1000 }: ReadAllOptions): Promise<AllSlice> {
    const window = this.log.slice(after, after + maxCount);
    const now = this.clock().getTime();
    const events = await this.present(window.filter((e) => !this.purged.has(e.position) && !telemetryExpired(this.telemetry, e, now)));
    return { events, checkpoint: after + window.length, head: this.log.length };
  }

  async headPosition(): Promise<number> {
    return this.log.length;
  }

  async getEvent(eventId: string, scope: ReadScope): Promise<StoredEvent> {
    const loc = this.byEventId.get(eventId.toLowerCase());
    const e = loc ? this.streams.get(loc.aggregateId)?.events[loc.version - 1] : undefined;
    if (!e || !this.isVisible(e) || !(scope.isAdmin || scope.organizationId === e.metadata.organizationId)) {
      throw new EventNotFoundError(eventId);
    }
    return (await this.present([e]))[0];
  }

  /** False for events a deletion or the stream's retention hides. */
  private isVisible(e: StoredEvent): boolean {
    const stream = this.streams.get(e.aggregateId);
    if (!stream || this.purged.has(e.position) || stream.lifecycle.hardDeleted) return false;
    const now = this.clock().getTime();
    return (
      e.version >= firstVisibleVersion(stream.lifecycle, stream.events.length) &&
      withinMaxAge(stream.lifecycle, e.timestamp, now) &&
      !telemetryExpired(this.telemetry, e, now)
    );
  }

  private matches(e: StoredEvent, q: EventQuery, scope: ReadScope): boolean {
    return this.isVisible(e) && matchesQuery(e, q, scope);
  }

  /** Copies as readers get them: upcast, personal sections opened. */
  private async present(events: readonly StoredEvent[]): Promise<StoredEvent[]> {
    return openEvents(
      events.map((e) => this.upcasters.apply(clone(e))),
      this.keys,
    );
  }

  async search(query: EventQuery, scope: ReadScope): Promise<EventPage> {
    if (query.from && query.to && query.from.getTime() > query.to.getTime())
      throw new InvalidQueryError('from must not be after to', [{ field: 'from' }]);
    const size = Math.min(Math.max(query.size ?? 100, 1), MAX_PAGE_SIZE);
    const desc = (query.sort ?? 'desc') === 'desc';
    const key = (e: StoredEvent): [number, number] => [Date.parse(e.timestamp), e.position];
    const cmp = (a: [number, number], b: [number, number]) => (a[0] - b[0] || a[1] - b[1]) * (desc ? -1 : 1);
    const all = this.log.filter((e) => this.matches(e, query, scope)).sort((a, b) => cmp(key(a), key(b)));
    let start = 0;
    if (query.cursor) {
      const after = decodeCursor(query.cursor) as [number, number];
      start = all.findIndex((e) => cmp(key(e), after) > 0);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + size);
    const last = page[page.length - 1];
    return {
      total: all.length,
      events: await this.present(page),
      nextCursor: page.length === size && last ? encodeCursor(key(last)) : null,
    };
  }

  async readCorrelation(correlationId: string, scope: ReadScope): Promise<StoredEvent[]> {
    return this.present(
      this.log
        .filter((e) => this.matches(e, { correlationId }, scope))
        .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.position - b.position),
    );
  }

  async saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void> {
    const existing = this.snapshots.get(snapshot.aggregateId);
    if (existing && existing.version > snapshot.version) return;
    this.snapshots.set(snapshot.aggregateId, {
      ...clone(snapshot),
      organizationId: scope.organizationId,
      timestamp: this.clock().toISOString(),
    });
    // Checked once written (as the Elasticsearch adapter does): a subject erased meanwhile takes the snapshot with it.
    const subjects = snapshot.subjects ?? [];
    if (subjects.length === 0) return;
    const keys = await this.keys.keysOf(subjects);
    if (subjects.some((s) => !keys.has(s))) this.snapshots.delete(snapshot.aggregateId);
  }

  async loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null> {
    const s = this.snapshots.get(aggregateId);
    if (!s || !(scope.isAdmin || scope.organizationId === s.organizationId)) return null;
    const { organizationId: _org, ...snapshot } = clone(s);
    return snapshot as Snapshot<S>;
  }

  async isReady(): Promise<boolean> {
    return true;
  }

  // ---------------------------------------------------------------- data lifecycle

  private ownedStream(aggregateId: string, scope: ReadScope): Stream {
    assertAggregateId(aggregateId);
    const stream = this.streams.get(aggregateId);
    if (!stream || stream.events.length === 0 || !(scope.isAdmin || scope.organizationId === stream.organizationId)) {
      throw new StreamNotFoundError(aggregateId);
    }
    return stream;
  }

  private metadataOf(aggregateId: string, stream: Stream): StreamMetadata {
    return streamMetadata(aggregateId, stream.aggregateType, stream.organizationId, stream.events.length, stream.lifecycle);
  }

  async getStreamMetadata(aggregateId: string, scope: ReadScope): Promise<StreamMetadata> {
    return this.metadataOf(aggregateId, this.ownedStream(aggregateId, scope));
  }

  async deleteStream(aggregateId: string, options: DeleteStreamOptions): Promise<StreamMetadata> {
    assertNotProtected(aggregateId);
    const stream = this.ownedStream(aggregateId, options.context);
    if (stream.lifecycle.hardDeleted) throw new StreamDeletedError(aggregateId);
    const version = stream.events.length;
    if (options.mode === 'hard') {
      stream.lifecycle = { ...stream.lifecycle, hardDeleted: true };
      for (const e of stream.events) {
        this.purged.add(e.position);
        this.byEventId.delete(e.eventId);
      }
      this.snapshots.delete(aggregateId);
    } else {
      stream.lifecycle = { ...stream.lifecycle, softDeletedBefore: version + 1 };
    }
    await this.record(
      lifecycleEvent(options.mode === 'hard' ? 'StreamHardDeleted' : 'StreamSoftDeleted', aggregateId, version, options.reason),
      options.context,
    );
    return this.metadataOf(aggregateId, stream);
  }

  async restoreStream(aggregateId: string, options: { reason: string; context: WriteContext }): Promise<StreamMetadata> {
    assertNotProtected(aggregateId);
    const stream = this.ownedStream(aggregateId, options.context);
    if (stream.lifecycle.hardDeleted) throw new StreamDeletedError(aggregateId);
    const { softDeletedBefore: _was, ...rest } = stream.lifecycle;
    stream.lifecycle = rest;
    await this.record(lifecycleEvent('StreamRestored', aggregateId, stream.events.length, options.reason), options.context);
    return this.metadataOf(aggregateId, stream);
  }

  async setStreamRetention(
    aggregateId: string,
    retention: StreamRetention,
    options: { reason: string; context: WriteContext },
  ): Promise<StreamMetadata> {
    assertNotProtected(aggregateId);
    validateRetention(retention);
    const stream = this.ownedStream(aggregateId, options.context);
    if (stream.lifecycle.hardDeleted) throw new StreamDeletedError(aggregateId);
    stream.lifecycle = withRetention(stream.lifecycle, retention);
    await this.record(
      lifecycleEvent('StreamRetentionSet', aggregateId, stream.events.length, options.reason, retentionOf(stream.lifecycle)),
      options.context,
    );
    return this.metadataOf(aggregateId, stream);
  }

  async scavenge(options: { onProgress?(progress: ScavengeProgress): void } = {}): Promise<ScavengeReport> {
    const started = Date.now();
    const report = emptyScavengeReport();
    const now = this.clock().getTime();
    for (const stream of this.streams.values()) {
      report.streamsScanned++;
      const lowest = firstVisibleVersion(stream.lifecycle, stream.events.length);
      const gone = stream.events.filter(
        (e) =>
          !this.purged.has(e.position) &&
          (stream.lifecycle.hardDeleted || e.version < lowest || !withinMaxAge(stream.lifecycle, e.timestamp, now)),
      );
      // Expired telemetry goes from wherever it sits; it moves no floor (the versions around it stay readable).
      const expired = stream.events.filter(
        (e) => !this.purged.has(e.position) && !gone.includes(e) && telemetryExpired(this.telemetry, e, now),
      );
      if (gone.length === 0 && expired.length === 0) continue;
      report.streamsScavenged++;
      if (gone.length > 0) {
        const floor = Math.max(...gone.map((e) => e.version)) + 1;
        stream.lifecycle = { ...stream.lifecycle, purgedBefore: Math.max(stream.lifecycle.purgedBefore ?? 1, floor) };
      }
      report.telemetryEventsRemoved += expired.length;
      for (const e of [...gone, ...expired]) {
        this.purged.add(e.position);
        this.byEventId.delete(e.eventId);
        report.eventsRemoved++;
        report.logDocumentsRewritten++;
        report.bytesFreed += Buffer.byteLength(JSON.stringify(e));
      }
      options.onProgress?.({
        streamsScanned: report.streamsScanned,
        streamsScavenged: report.streamsScavenged,
        eventsRemoved: report.eventsRemoved,
        telemetryEventsRemoved: report.telemetryEventsRemoved,
      });
    }
    report.tookMs = Date.now() - started;
    return report;
  }

  async eraseSubject(subjectId: string, options: { reason: string; context: WriteContext }): Promise<ErasureReport> {
    validatePersonal({ subjectId, data: {} }, 'subjectId');
    const keyDeleted = await this.keys.erase(subjectId);
    const streams = new Set(this.log.filter((e) => e.personal?.subjectId === subjectId).map((e) => e.aggregateId));
    for (const id of streams) this.snapshots.delete(id);
    for (const [id, s] of this.snapshots) if (s.subjects?.includes(subjectId)) this.snapshots.delete(id);
    const hash = subjectHash(subjectId);
    await this.record(
      {
        eventType: 'SubjectErased',
        eventData: { subjectHash: hash, streamsAffected: streams.size, reason: String(options.reason).slice(0, 1000) },
      },
      options.context,
    );
    return { subjectHash: hash, keyDeleted, streamsAffected: streams.size };
  }

  private async record(event: NewEvent, context: WriteContext): Promise<void> {
    await this.appendToStream(LIFECYCLE_STREAM, [event], {
      aggregateType: LIFECYCLE_AGGREGATE_TYPE,
      expectedVersion: 'any',
      context: { ...context, isAdmin: true },
    });
  }
}
