import { EventStoreUnavailableError, StreamNotFoundError } from '../event-store.errors';
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
import {
  assertNotProtected,
  LIFECYCLE_AGGREGATE_TYPE,
  LIFECYCLE_STREAM,
  lifecycleEvent,
  retentionOf,
  validateRetention,
  withRetention,
  type StreamRetention,
} from '../stream-lifecycle';
import { assertAggregateId, validateAppend, validateWriteContext } from '../event-validation';
import { UpcasterRegistry } from '../upcasting';
import { CommitProtocol } from './es-commit-protocol';
import { CommitSteps } from './es-commit-steps';
import { canRead, deadlineBound, sleep, withRequestDeadline, type EsContext } from './es-context';
import { translate } from './es-errors';
import { EventLookup } from './es-event-lookup';
import { GroupCommitter } from './es-group-committer';
import { ensureIndices, indexNames, type IndexNames } from './es-indices';
import { eventsLayoutOf, EventsIndexLayoutError } from './es-events-layout';
import { LeaseRecovery } from './es-lease-recovery';
import { GlobalLog } from './es-log';
import { PositionAllocator } from './es-positions';
import type { EsEventStoreOptions } from './es-options';
import { SnapshotStore } from './es-snapshots';
import { StreamLifecycleStore } from './es-stream-lifecycle';
import { EsSubjectKeys } from './es-subject-keys';
import { openEvents, sealEvents, subjectHash, validatePersonal } from '../personal-data';
import { StreamReader } from './es-stream-reader';
import { validateTelemetryRetention } from '../telemetry-retention';
import { safeObserver } from '../store-observer';

/**
 * Elasticsearch adapter of the event store: a facade over its parts (README "Storage design"). Appends go through the
 * group committer to the commit protocol: a stream head (CAS on seq_no) holds a short lease while a writer commits;
 * the commit point is the `create` of one log document, named by the append's first global position, holding all
 * its events. Reads: streams (realtime), the global log (gap-safe), search and snapshots.
 */
export class ElasticsearchEventStore implements EventStore {
  readonly names: IndexNames;
  private readonly ctx: EsContext;
  private readonly log: GlobalLog;
  private readonly reader: StreamReader;
  private readonly recovery: LeaseRecovery;
  private readonly committer: GroupCommitter;
  private readonly lookup: EventLookup;
  private readonly snapshots: SnapshotStore;
  private readonly lifecycle: StreamLifecycleStore;
  private readonly keys: EsSubjectKeys;
  private ready = false;
  private setupRunning: Promise<void> | null = null;
  private closed = false;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: EsEventStoreOptions) {
    if (options.telemetryRetention) validateTelemetryRetention(options.telemetryRetention);
    this.names = indexNames(options.indexPrefix);
    this.ctx = {
      // Requests of the commit protocol are bounded by the deadline of the appends they serve (es-context).
      client: deadlineBound(options.client),
      names: this.names,
      eventsLayout: eventsLayoutOf(options.eventsIndex),
      decl: options.searchFields ?? {},
      upcasters: new UpcasterRegistry(options.upcasters),
      logger: options.logger,
      leaseMs: options.leaseMs ?? 5000,
      gapTimeoutMs: options.gapTimeoutMs ?? 5000,
      clock: options.clock,
      observer: safeObserver(options.observer),
      telemetry: options.telemetryRetention,
    };
    this.log = new GlobalLog(this.ctx);
    this.reader = new StreamReader(this.ctx, this.log);
    this.recovery = new LeaseRecovery(this.ctx, this.log, this.reader);
    this.committer = new GroupCommitter(
      {
        appendTimeoutMs: options.appendTimeoutMs ?? 15000,
        maxBatchAppends: options.maxBatchAppends ?? 256,
        maxBatchEvents: options.maxBatchEvents ?? 5000,
        maxBatchBytes: options.maxBatchBytes ?? 8 * 1024 * 1024,
        maxConcurrentBatches: options.maxConcurrentBatches ?? 2,
        hotStreamLingerMs: options.hotStreamLingerMs ?? 5,
      },
      this.ctx.observer,
    );
    const protocol = new CommitProtocol(
      this.ctx,
      this.log,
      new PositionAllocator(this.ctx),
      this.reader,
      this.recovery,
      new CommitSteps(this.ctx, this.log),
      this.committer,
      options.faults,
      options.claimPositionsInLease ?? true,
    );
    this.committer.attach(
      (batch, releaseSlot) => protocol.runBatch(batch, releaseSlot),
      (ids, deadline) => withRequestDeadline(deadline, () => this.reader.locateEventIds(ids)).then((found) => new Set(found.keys())),
    );
    this.lookup = new EventLookup(this.ctx, this.reader);
    this.lifecycle = new StreamLifecycleStore(this.ctx, this.reader, this.recovery, this.log);
    this.keys = new EsSubjectKeys(options.client, `${options.indexPrefix}-subject-keys`);
    this.snapshots = new SnapshotStore(this.ctx, this.keys);
  }

  // ---------------------------------------------------------------- set-up and health

  /** Creates or upgrades indices once; retried by `startSetupLoop` until Elasticsearch answers. */
  async setup(): Promise<void> {
    const o = this.options;
    await ensureIndices(o.client, o.indexPrefix, this.ctx.decl, o.numberOfReplicas ?? 0, o.refreshInterval, this.ctx.eventsLayout);
    await this.keys.setup(o.numberOfReplicas ?? 0);
    this.ready = true;
  }

  /** Runs set-up in the background until it succeeds, so the service starts even when Elasticsearch is down. */
  startSetupLoop(retryMs = 2000): Promise<void> {
    if (this.setupRunning) return this.setupRunning;
    this.setupRunning = (async () => {
      for (let attempt = 1; !this.closed; attempt++) {
        try {
          await this.setup();
          if (this.closed) return;
          this.startSweeping();
          this.options.logger?.log?.(`event store indices ready (prefix ${this.options.indexPrefix})`);
          return;
        } catch (e) {
          if (this.closed) return;
          if (e instanceof EventsIndexLayoutError) {
            // Retrying cannot help: the operator must reindex or configure the index's layout. The store stays unready.
            this.options.logger?.error(`event store set-up refused: ${e.message}`);
            throw e;
          }
          this.options.logger?.warn(`event store set-up failed (attempt ${attempt}), retrying: ${(e as Error).message}`);
          // Unref'd: a pending retry never keeps a closing process alive.
          await new Promise((r) => setTimeout(r, retryMs).unref());
        }
      }
    })();
    return this.setupRunning;
  }

  async isReady(): Promise<boolean> {
    if (!this.ready) return false;
    try {
      const r = await this.ctx.client.indices.exists(
        { index: [this.names.events, this.names.streams, this.names.log] },
        { requestTimeout: 3000, maxRetries: 0 },
      );
      return r === true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    // Let a set-up attempt in flight finish, so nothing is created after the caller cleans up.
    if (this.setupRunning) await Promise.race([this.setupRunning.catch(() => undefined), sleep(5000)]);
    await this.committer.drain(10000);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  private startSweeping(): void {
    const every = this.options.sweepIntervalMs ?? 30_000;
    if (this.sweepTimer || every <= 0) return;
    this.sweepTimer = setInterval(() => {
      this.sweepPendingLeases().catch((e: unknown) => this.options.logger?.warn(`lease sweep failed: ${(e as Error).message}`));
    }, every);
    this.sweepTimer.unref();
  }

  /**
   * Settles leases older than the lease time that no writer came back to (see `LeaseRecovery.sweep`); returns how
   * many it settled.
   */
  async sweepPendingLeases(max = 100): Promise<number> {
    if (!this.ready || this.closed) return 0;
    return this.recovery.sweep(max, (aggregateId) => this.committer.isBusy(aggregateId));
  }

  private assertReady(): void {
    if (!this.ready) throw new EventStoreUnavailableError('event store is not ready: Elasticsearch has not answered since start-up');
  }

  // ---------------------------------------------------------------- appends

  appendToStream(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    try {
      validateAppend(aggregateId, options.aggregateType, events, options.expectedVersion);
      validateWriteContext(options.context);
      this.assertReady();
      if (this.closed) throw new EventStoreUnavailableError('event store is shutting down');
    } catch (e) {
      return Promise.reject(e);
    }
    return this.sealAndEnqueue(aggregateId, events, options);
  }

  private async sealAndEnqueue(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    try {
      const sealed = await sealEvents(events, this.keys);
      const r = await this.committer.enqueue(aggregateId, sealed, options);
      return sealed === events ? r : { ...r, events: await openEvents(r.events, this.keys) };
    } catch (e) {
      throw translate(e, 'append');
    }
  }

  // ---------------------------------------------------------------- reads

  async readStream(aggregateId: string, scope: ReadScope, options: ReadStreamOptions = {}): Promise<StreamSlice> {
    assertAggregateId(aggregateId);
    this.assertReady();
    try {
      const slice = await this.reader.read(aggregateId, options);
      if (!canRead(scope, slice.organizationId)) throw new StreamNotFoundError(aggregateId);
      return { ...slice, events: await openEvents(slice.events, this.keys) };
    } catch (e) {
      throw translate(e, 'readStream');
    }
  }

  async headPosition(): Promise<number> {
    this.assertReady();
    try {
      return await this.log.headPosition();
    } catch (e) {
      throw translate(e, 'headPosition');
    }
  }

  async readAll(options: ReadAllOptions): Promise<AllSlice> {
    this.assertReady();
    try {
      const slice = await this.log.readAll(options);
      return { ...slice, events: await openEvents(slice.events, this.keys) };
    } catch (e) {
      throw translate(e, 'readAll');
    }
  }

  async getEvent(eventId: string, scope: ReadScope): Promise<StoredEvent> {
    this.assertReady();
    const e = await this.lookup.getEvent(eventId, scope);
    return (await this.opened([e]))[0];
  }

  async search(query: EventQuery, scope: ReadScope): Promise<EventPage> {
    this.assertReady();
    const page = await this.lookup.search(query, scope);
    return { ...page, events: await this.opened(page.events) };
  }

  async readCorrelation(correlationId: string, scope: ReadScope): Promise<StoredEvent[]> {
    return this.opened(await this.lookup.readCorrelation(correlationId, scope));
  }

  // ---------------------------------------------------------------- snapshots

  async saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void> {
    this.assertReady();
    return this.snapshots.saveSnapshot(snapshot, scope);
  }

  async loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null> {
    this.assertReady();
    return this.snapshots.loadSnapshot<S>(aggregateId, scope);
  }

  // ---------------------------------------------------------------- data lifecycle (admin)

  async getStreamMetadata(aggregateId: string, scope: ReadScope): Promise<StreamMetadata> {
    assertAggregateId(aggregateId);
    this.assertReady();
    return this.lifecycleCall('getStreamMetadata', () => this.lifecycle.metadata(aggregateId, scope));
  }

  async deleteStream(aggregateId: string, options: DeleteStreamOptions): Promise<StreamMetadata> {
    assertAggregateId(aggregateId);
    assertNotProtected(aggregateId);
    this.assertReady();
    const hard = options.mode === 'hard';
    const meta = await this.lifecycleCall('deleteStream', () =>
      this.lifecycle.change(aggregateId, options.context, (l, doc) =>
        hard ? { ...l, hardDeleted: true } : { ...l, softDeletedBefore: doc.version + 1 },
      ),
    );
    await this.record(
      lifecycleEvent(hard ? 'StreamHardDeleted' : 'StreamSoftDeleted', aggregateId, meta.version, options.reason),
      options.context,
    );
    return meta;
  }

  async restoreStream(aggregateId: string, options: { reason: string; context: WriteContext }): Promise<StreamMetadata> {
    assertAggregateId(aggregateId);
    assertNotProtected(aggregateId);
    this.assertReady();
    const meta = await this.lifecycleCall('restoreStream', () =>
      this.lifecycle.change(aggregateId, options.context, ({ softDeletedBefore: _was, ...rest }) => rest),
    );
    await this.record(lifecycleEvent('StreamRestored', aggregateId, meta.version, options.reason), options.context);
    return meta;
  }

  async setStreamRetention(
    aggregateId: string,
    retention: StreamRetention,
    options: { reason: string; context: WriteContext },
  ): Promise<StreamMetadata> {
    assertAggregateId(aggregateId);
    assertNotProtected(aggregateId);
    validateRetention(retention);
    this.assertReady();
    const meta = await this.lifecycleCall('setStreamRetention', () =>
      this.lifecycle.change(aggregateId, options.context, (l) => withRetention(l, retention)),
    );
    await this.record(
      lifecycleEvent('StreamRetentionSet', aggregateId, meta.version, options.reason, retentionOf(retention)),
      options.context,
    );
    return meta;
  }

  async scavenge(options: { onProgress?(progress: ScavengeProgress): void } = {}): Promise<ScavengeReport> {
    this.assertReady();
    return this.lifecycleCall('scavenge', () => this.lifecycle.scavenge(options.onProgress));
  }

  async eraseSubject(subjectId: string, options: { reason: string; context: WriteContext }): Promise<ErasureReport> {
    validatePersonal({ subjectId, data: {} }, 'subjectId');
    this.assertReady();
    const report = await this.lifecycleCall('eraseSubject', async () => {
      const keyDeleted = await this.keys.erase(subjectId);
      // Snapshots may hold state folded from the subject's decrypted data: they go; the next load replays instead.
      const hash = subjectHash(subjectId);
      const streamsAffected = await this.snapshots.deleteOfSubject(hash);
      return { subjectHash: hash, keyDeleted, streamsAffected };
    });
    await this.record(
      {
        eventType: 'SubjectErased',
        eventData: {
          subjectHash: report.subjectHash,
          streamsAffected: report.streamsAffected,
          reason: String(options.reason).slice(0, 1000),
        },
      },
      options.context,
    );
    return report;
  }

  /** Events as readers see them: personal sections opened with their subjects' keys (one key read per call). */
  private async opened(events: StoredEvent[]): Promise<StoredEvent[]> {
    try {
      return await openEvents(events, this.keys);
    } catch (e) {
      throw translate(e, 'read');
    }
  }

  private async lifecycleCall<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw translate(e, what);
    }
  }

  /** Records a lifecycle change in the admin stream: who (the context), when (the event), what and why. */
  private async record(event: NewEvent, context: WriteContext): Promise<void> {
    await this.appendToStream(LIFECYCLE_STREAM, [event], {
      aggregateType: LIFECYCLE_AGGREGATE_TYPE,
      expectedVersion: 'any',
      context: { ...context, isAdmin: true },
    });
  }
}
