import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import {
  EventNotFoundError,
  EventStoreUnavailableError,
  InvalidEventError,
  StreamNotFoundError,
  WrongExpectedVersionError,
} from '../event-store.errors';
import type {
  AllSlice,
  AppendOptions,
  AppendResult,
  EventPage,
  EventQuery,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadScope,
  ReadStreamOptions,
  Snapshot,
  StoredEvent,
  StreamSlice,
  WriteContext,
} from '../event-store.port';
import { buildEnvelopes, expectedVersionMatches, validateAppend, assertAggregateId } from '../event-validation';
import { judgeRetry, type EventLocation } from '../idempotency';
import { UpcasterRegistry, type Upcaster } from '../upcasting';
import { bulkItemTransient, isTransient, statusOf, translate } from './es-errors';
import { ensureIndices, indexNames, type IndexNames } from './es-indices';
import { buildSearchRequest, decodeCursor, encodeCursor, tenantFilter } from './es-query';
import { eventDocumentId, fromSearchDocument, toSearchDocument, type SearchFieldDeclarations } from './es-search-fields';

export interface EsEventStoreOptions {
  client: Client;
  indexPrefix: string;
  numberOfReplicas?: number;
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
  maxConcurrentBatches?: number;
  refreshInterval?: string;
  logger?: { warn(message: string): void; error(message: string): void; log?(message: string): void };
  /** How often each instance looks for leases nobody came back to (a writer that died, derived writes that failed). */
  sweepIntervalMs?: number;
  /** Source of event timestamps (tests and data generators spread events over time); defaults to the system clock. */
  clock?: () => Date;
  /** Test-only fault injection between protocol steps: a promise that never settles is a writer that died there. */
  faults?: { afterLock?(aggregateIds: string[]): Promise<void>; afterCommit?(aggregateIds: string[]): Promise<void> };
}

interface Pending {
  txId: string;
  firstPosition: number;
  lastPosition: number;
  fromVersion: number;
  toVersion: number;
  expiresAt: number;
}

interface HeadDoc {
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  version: number;
  lastPosition: number;
  updatedAt: string;
  pending: Pending | null;
  /** When the lease was taken (indexed, so a sweep can find leases nobody came back to). */
  pendingSince: number | null;
}

interface Head {
  doc: HeadDoc | null;
  seqNo?: number;
  primaryTerm?: number;
}

interface CommitDoc {
  kind: 'commit';
  txId: string;
  aggregateId: string;
  aggregateType: string;
  organizationId: string;
  firstPosition: number;
  lastPosition: number;
  fromVersion: number;
  toVersion: number;
  events: StoredEvent[];
}

interface TombstoneDoc {
  kind: 'tombstone';
  firstPosition: number;
  lastPosition: number;
  reason: string;
}

type LogDoc = CommitDoc | TombstoneDoc;

interface QueuedAppend {
  aggregateId: string;
  aggregateType: string;
  events: NewEvent[];
  expectedVersion: ExpectedVersion;
  ctx: WriteContext;
  deadline: number;
  notBefore: number;
  /** Transient failures met so far (for backoff). */
  failures: number;
  settled: boolean;
  resolve(r: AppendResult): void;
  reject(e: unknown): void;
}

/** One append inside a batch, as it moves through the commit protocol. */
interface Work {
  a: QueuedAppend;
  first: number;
  last: number;
  head?: Head;
  pending?: Pending;
  envelopes?: StoredEvent[];
  organizationId?: string;
  lockSeqNo?: number;
  lockPrimaryTerm?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Elasticsearch adapter of the event store. See README "Storage design" for the protocol:
 * a stream head (CAS on seq_no) holds a short lease while a writer commits; the commit point is the
 * `create` of one log document, named by the append's first global position, holding all its events.
 */
export class ElasticsearchEventStore implements EventStore {
  readonly names: IndexNames;
  private readonly client: Client;
  private readonly upcasters: UpcasterRegistry;
  private readonly decl: SearchFieldDeclarations;
  private readonly leaseMs: number;
  private readonly gapTimeoutMs: number;
  private readonly appendTimeoutMs: number;
  private readonly maxBatchAppends: number;
  private readonly maxBatchEvents: number;
  private readonly maxConcurrentBatches: number;
  private ready = false;
  private setupRunning: Promise<void> | null = null;
  private closed = false;

  private readonly queue: QueuedAppend[] = [];
  private readonly busyStreams = new Set<string>();
  /** Versions this process has seen streams reach (bounded, most recent last): they only ever grow. */
  private readonly knownVersions = new Map<string, number>();
  private runningBatches = 0;
  /** Rounds not finished yet, finalisation after the acknowledgement included. */
  private activeRounds = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;

  private counter: { value: number; seqNo: number; primaryTerm: number } | null = null;
  private allocation: Promise<unknown> = Promise.resolve();
  private readonly gapFirstSeen = new Map<number, number>();

  constructor(private readonly options: EsEventStoreOptions) {
    this.client = options.client;
    this.names = indexNames(options.indexPrefix);
    this.upcasters = new UpcasterRegistry(options.upcasters);
    this.decl = options.searchFields ?? {};
    this.leaseMs = options.leaseMs ?? 5000;
    this.gapTimeoutMs = options.gapTimeoutMs ?? 5000;
    this.appendTimeoutMs = options.appendTimeoutMs ?? 15000;
    this.maxBatchAppends = options.maxBatchAppends ?? 256;
    this.maxBatchEvents = options.maxBatchEvents ?? 5000;
    this.maxConcurrentBatches = options.maxConcurrentBatches ?? 2;
  }

  // ---------------------------------------------------------------- set-up and health

  /** Creates or upgrades indices once; retried by `startSetupLoop` until Elasticsearch answers. */
  async setup(): Promise<void> {
    await ensureIndices(this.client, this.options.indexPrefix, this.decl, this.options.numberOfReplicas ?? 0, this.options.refreshInterval);
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
      const r = await this.client.indices.exists(
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
    if (this.setupRunning) await Promise.race([this.setupRunning, sleep(5000)]);
    const deadline = Date.now() + 10000;
    while ((this.queue.length > 0 || this.activeRounds > 0) && Date.now() < deadline) await sleep(10);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
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
   * Settles leases older than the lease time that no writer came back to: a commit whose writer died, or whose
   * derived documents could not be written, is rolled forward (so it reaches search and the event-id index even
   * if its stream is never written again); an abandoned lease is fenced and cleared. Returns how many it settled.
   */
  async sweepPendingLeases(max = 100): Promise<number> {
    if (!this.ready || this.closed) return 0;
    const r = await this.client.search<HeadDoc>({
      index: this.names.streams,
      size: max,
      _source: false,
      query: { range: { pendingSince: { lte: Date.now() - this.leaseMs } } },
    });
    const ids = r.hits.hits.map((h) => h._id as string);
    if (ids.length === 0) return 0;
    // Search is not realtime: settle only what a realtime read still shows pending.
    const heads = await this.getHeads(ids);
    let settled = 0;
    for (const [aggregateId, head] of heads) {
      if (!head.doc?.pending || this.busyStreams.has(aggregateId)) continue;
      if ((await this.resolvePending(aggregateId, head).catch(() => 'in-flight')) === 'resolved') settled++;
    }
    return settled;
  }

  private assertReady(): void {
    if (!this.ready) throw new EventStoreUnavailableError('event store is not ready: Elasticsearch has not answered since start-up');
  }

  // ---------------------------------------------------------------- append (group commit)

  appendToStream(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    try {
      validateAppend(aggregateId, options.aggregateType, events, options.expectedVersion);
      this.assertReady();
      if (this.closed) throw new EventStoreUnavailableError('event store is shutting down');
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      const queued: QueuedAppend = {
        aggregateId,
        aggregateType: options.aggregateType,
        events,
        expectedVersion: options.expectedVersion,
        ctx: options.context,
        deadline: Date.now() + this.appendTimeoutMs,
        notBefore: 0,
        failures: 0,
        settled: false,
        resolve: (r) => {
          queued.settled = true;
          resolve(r);
        },
        reject: (e) => {
          queued.settled = true;
          reject(e);
        },
      };
      this.queue.push(queued);
      this.pump();
    });
  }

  private pump(): void {
    while (this.runningBatches < this.maxConcurrentBatches) {
      const now = Date.now();
      const batch: QueuedAppend[] = [];
      const inBatch = new Set<string>();
      let events = 0;
      let earliestWait = Infinity;
      for (let i = 0; i < this.queue.length && batch.length < this.maxBatchAppends;) {
        const a = this.queue[i];
        if (now > a.deadline) {
          this.queue.splice(i, 1);
          a.reject(new EventStoreUnavailableError(`append to ${a.aggregateId} timed out before it could commit`));
          continue;
        }
        const stale = this.staleAgainstKnown(a);
        if (stale !== null) {
          // The stream is already past the expected version: refuse without a round trip (a hot stream's losers).
          this.queue.splice(i, 1);
          a.reject(new WrongExpectedVersionError(a.aggregateId, a.expectedVersion, stale));
          continue;
        }
        const eligible =
          a.notBefore <= now &&
          !this.busyStreams.has(a.aggregateId) &&
          !inBatch.has(a.aggregateId) &&
          (batch.length === 0 || events + a.events.length <= this.maxBatchEvents);
        if (!eligible) {
          if (a.notBefore > now) earliestWait = Math.min(earliestWait, a.notBefore - now);
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        batch.push(a);
        inBatch.add(a.aggregateId);
        events += a.events.length;
      }
      if (batch.length === 0) {
        if (earliestWait !== Infinity && !this.pumpTimer) {
          this.pumpTimer = setTimeout(() => {
            this.pumpTimer = null;
            this.pump();
          }, earliestWait);
        }
        return;
      }
      for (const id of inBatch) this.busyStreams.add(id);
      this.runningBatches++;
      this.activeRounds++;
      // The batch slot is freed at the acknowledgement (the next batch may start); its streams stay busy until
      // their heads are finalised.
      let slotHeld = true;
      const releaseSlot = () => {
        if (!slotHeld) return;
        slotHeld = false;
        this.runningBatches--;
        this.pump();
      };
      this.runBatch(batch, releaseSlot)
        .catch((e: unknown) => {
          // Nothing of an unsettled append was acknowledged; the protocol tolerates whatever half-done state the
          // failed round left (leases expire, positions get fenced), so transient failures are retried until the deadline.
          for (const a of batch) {
            if (a.settled || this.queue.includes(a)) continue;
            const backoff = Math.min(2000, 50 * 2 ** a.failures++);
            if (isTransient(e) && Date.now() + backoff < a.deadline) this.retryLater(a, backoff);
            else a.reject(translate(e, 'append'));
          }
        })
        .finally(() => {
          this.activeRounds--;
          for (const id of inBatch) this.busyStreams.delete(id);
          releaseSlot();
          this.pump();
        });
    }
  }

  private noteVersion(aggregateId: string, version: number): void {
    if ((this.knownVersions.get(aggregateId) ?? -1) >= version) return;
    this.knownVersions.delete(aggregateId);
    this.knownVersions.set(aggregateId, version);
    if (this.knownVersions.size > 10_000) this.knownVersions.delete(this.knownVersions.keys().next().value as string);
  }

  /** The known version when it already refutes the append's exact expected version; null when a round trip must decide. */
  private staleAgainstKnown(a: QueuedAppend): number | null {
    const expected = a.expectedVersion === 'no_stream' ? 0 : a.expectedVersion;
    if (typeof expected !== 'number') return null;
    // Client event ids may make it an idempotent retry of what made the stream move: let the protocol judge.
    if (a.events.some((e) => e.eventId !== undefined)) return null;
    const known = this.knownVersions.get(a.aggregateId);
    return known !== undefined && known > expected ? known : null;
  }

  private retryLater(a: QueuedAppend, delayMs: number): void {
    a.notBefore = Date.now() + delayMs + Math.floor(Math.random() * delayMs);
    this.queue.unshift(a);
  }

  /** One round of the commit protocol for appends to distinct streams. */
  private async runBatch(batch: QueuedAppend[], releaseSlot: () => void = () => undefined): Promise<void> {
    const total = batch.reduce((n, a) => n + a.events.length, 0);
    const clientIds = batch.flatMap((a) => a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x));
    // Round trip 1: heads, known event ids and positions, in parallel.
    const [heads, located, firstPosition] = await Promise.all([
      this.getHeads(batch.map((a) => a.aggregateId)),
      this.locateEventIds(clientIds),
      this.allocate(total),
    ]);
    const works: Work[] = [];
    let p = firstPosition;
    for (const a of batch) {
      works.push({ a, first: p, last: p + a.events.length - 1, head: heads.get(a.aggregateId) });
      p += a.events.length;
    }
    const toResolve: Work[] = [];
    const idempotent: { w: Work; from: number; to: number }[] = [];
    const now = Date.now();
    const timestamp = (this.options.clock ? this.options.clock() : new Date(now)).toISOString();
    for (const w of works) {
      const { a } = w;
      const doc = w.head?.doc ?? null;
      if (doc) this.noteVersion(a.aggregateId, doc.version);
      try {
        if (doc?.pending) {
          toResolve.push(w);
          continue;
        }
        const exists = !!doc && doc.version > 0;
        if (exists && doc.organizationId !== a.ctx.organizationId && !a.ctx.isAdmin) throw new StreamNotFoundError(a.aggregateId);
        if (exists && doc.aggregateType !== a.aggregateType) {
          throw new InvalidEventError(`stream ${a.aggregateId} holds ${doc.aggregateType} events, not ${a.aggregateType}`, [
            { field: 'aggregateType' },
          ]);
        }
        const verdict = judgeRetry(a.aggregateId, a.events, a.expectedVersion, located);
        if (verdict.kind === 'already-stored') {
          idempotent.push({ w, from: verdict.fromVersion, to: verdict.toVersion });
          continue;
        }
        const version = doc?.version ?? 0;
        if (!expectedVersionMatches(a.expectedVersion, exists, version)) {
          throw new WrongExpectedVersionError(a.aggregateId, a.expectedVersion, version);
        }
        const organizationId = exists ? doc.organizationId : a.ctx.organizationId;
        w.organizationId = organizationId;
        w.envelopes = buildEnvelopes(a.aggregateId, a.aggregateType, organizationId, a.events, a.ctx, version + 1, w.first, timestamp);
        w.pending = {
          txId: randomUUID(),
          firstPosition: w.first,
          lastPosition: w.last,
          fromVersion: version + 1,
          toVersion: version + a.events.length,
          expiresAt: now + this.leaseMs,
        };
      } catch (e) {
        a.reject(e);
      }
    }
    const locking = works.filter((w) => w.pending);
    const unused = works.filter((w) => !w.pending);

    // Round trip 2: take the lease on each stream (CAS), and fence off the positions nobody will use.
    const lockOps: estypes.BulkOperationContainer[] = [];
    const lockDocs: unknown[] = [];
    for (const w of locking) {
      const doc: HeadDoc = {
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId as string,
        version: w.head?.doc?.version ?? 0,
        lastPosition: w.head?.doc?.lastPosition ?? 0,
        updatedAt: timestamp,
        pending: w.pending as Pending,
        pendingSince: now,
      };
      lockOps.push(
        w.head?.doc
          ? { index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.head.seqNo, if_primary_term: w.head.primaryTerm } }
          : { create: { _index: this.names.streams, _id: w.a.aggregateId } },
      );
      lockDocs.push(doc);
    }
    const [lockResults] = await Promise.all([
      this.bulkPairs(lockOps, lockDocs),
      this.tombstone(
        unused.map((w) => [w.first, w.last]),
        'unused allocation',
      ),
      this.resolveAll(toResolve),
    ]);
    for (const w of toResolve) this.retryLater(w.a, 5);
    const locked: Work[] = [];
    locking.forEach((w, i) => {
      const item = lockResults[i];
      if (item && item.status >= 200 && item.status < 300) {
        w.lockSeqNo = item._seq_no;
        w.lockPrimaryTerm = item._primary_term;
        locked.push(w);
      } else if (item?.status === 409 || bulkItemTransient(item)) {
        // Another writer moved the head between our read and our CAS: re-read and decide again.
        this.retryLater(w.a, item?.status === 409 ? 1 : 50);
      } else {
        w.a.reject(translate(new Error(`could not lock stream: ${JSON.stringify(item?.error)}`), 'append'));
      }
    });
    const lostLocks = locking.filter((w) => !locked.includes(w));

    if (this.options.faults?.afterLock && locked.length > 0) await this.options.faults.afterLock(locked.map((w) => w.a.aggregateId));

    // Round trip 3: the commit point. One document per append holds all its events: atomic by construction.
    const commitOps: estypes.BulkOperationContainer[] = [];
    const commitDocs: unknown[] = [];
    for (const w of locked) {
      const pending = w.pending as Pending;
      commitOps.push({ create: { _index: this.names.log, _id: String(w.first) } });
      const commit: CommitDoc = {
        kind: 'commit',
        txId: pending.txId,
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId as string,
        firstPosition: w.first,
        lastPosition: w.last,
        fromVersion: pending.fromVersion,
        toVersion: pending.toVersion,
        events: w.envelopes as StoredEvent[],
      };
      commitDocs.push(commit);
    }
    const [commitResults] = await Promise.all([
      this.bulkPairs(commitOps, commitDocs).catch(async (e: unknown) => {
        // Unknown outcome: find out per document whether our create landed.
        this.options.logger?.warn(`commit bulk failed, checking outcome: ${(e as Error).message}`);
        return locked.map(() => undefined);
      }),
      this.tombstone(
        lostLocks.map((w) => [w.first, w.last]),
        'lost stream lock',
      ),
    ]);
    const committed: Work[] = [];
    const aborted: Work[] = [];
    await Promise.all(
      locked.map(async (w, i) => {
        const item = commitResults[i];
        if (item && item.status >= 200 && item.status < 300) {
          committed.push(w);
          return;
        }
        // 409: a reader fenced our position (we were too slow), or our own earlier try landed. Anything else: look.
        const state = await this.commitOutcome(w).catch(() => 'unknown' as const);
        if (state === 'committed') committed.push(w);
        else if (state === 'fenced') aborted.push(w);
        else {
          w.a.reject(
            new EventStoreUnavailableError(`append to ${w.a.aggregateId} could not be confirmed; retry it with the same eventIds`),
          );
        }
      }),
    );

    if (this.options.faults?.afterCommit && committed.length > 0)
      await this.options.faults.afterCommit(committed.map((w) => w.a.aggregateId));

    // Round trip 4: the searchable event documents and the event-id index, derived from the commit.
    const [derivedOk] = await Promise.all([
      this.writeDerived(
        committed.map((w) => w.envelopes as StoredEvent[]),
        committed.map((w) => w.a.events.map((e) => e.eventId !== undefined)),
      ),
      this.abortLocks(aborted),
    ]);
    for (const w of aborted) this.retryLater(w.a, 1);

    // Acknowledge now: the commits are durable and readable (a reader that meets the lease reads the commit document).
    // The stream stays busy in this process until its head is finalised, so its next append sees a clean head.
    for (const w of committed) {
      const envelopes = w.envelopes as StoredEvent[];
      this.noteVersion(w.a.aggregateId, envelopes[envelopes.length - 1].version);
      w.a.resolve({
        aggregateId: w.a.aggregateId,
        fromVersion: envelopes[0].version,
        version: envelopes[envelopes.length - 1].version,
        position: w.last,
        events: envelopes,
      });
    }

    releaseSlot();

    // Round trip 5: finalise heads (release the lease). Failures here are repaired by the next writer or reader.
    const finalize = committed.filter((_, i) => derivedOk[i]);
    await this.finalizeHeads(finalize).catch((e: unknown) => this.options.logger?.warn(`finalising heads failed: ${(e as Error).message}`));

    await Promise.all(
      idempotent.map(async ({ w, from, to }) => {
        try {
          const slice = await this.readStreamUnscoped(w.a.aggregateId, { fromVersion: from, maxCount: to - from + 1 });
          const events = slice.events;
          w.a.resolve({
            aggregateId: w.a.aggregateId,
            fromVersion: from,
            version: to,
            position: events[events.length - 1].position,
            events,
          });
        } catch (e) {
          w.a.reject(translate(e, 'append'));
        }
      }),
    );
  }

  private async commitOutcome(w: Work): Promise<'committed' | 'fenced' | 'unknown'> {
    const doc = await this.getLogDoc(w.first);
    if (!doc) return 'unknown';
    if (doc.kind === 'commit' && doc.txId === (w.pending as Pending).txId) return 'committed';
    return 'fenced';
  }

  private async abortLocks(works: Work[]): Promise<void> {
    if (works.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const w of works) {
      const head = w.head?.doc;
      ops.push({ index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm } });
      docs.push({
        ...(head ?? {}),
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId,
        version: head?.version ?? 0,
        lastPosition: head?.lastPosition ?? 0,
        updatedAt: new Date().toISOString(),
        pending: null,
        pendingSince: null,
      });
    }
    await this.bulkPairs(ops, docs).catch(() => undefined);
    // The reader fenced only our first position; fence the rest so nobody waits on them.
    await this.tombstone(
      works.filter((w) => w.last > w.first).map((w) => [w.first + 1, w.last]),
      'aborted commit',
    );
  }

  /**
   * Writes event documents and event-id entries; returns per group whether all its documents landed.
   * `clientIds` tells which events carry a client-chosen id: only those can be retried, so only those need the
   * realtime id index (lookups of other ids fall back to search). Unknown (roll-forward): write them all.
   */
  private async writeDerived(groups: StoredEvent[][], clientIds?: boolean[][]): Promise<boolean[]> {
    if (groups.length === 0) return [];
    const ok = groups.map(() => false);
    let pendingGroups = groups.map((g, i) => ({ g, i }));
    for (let attempt = 0; attempt < 4 && pendingGroups.length > 0; attempt++) {
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const ops: estypes.BulkOperationContainer[] = [];
      const docs: unknown[] = [];
      const owner: number[] = [];
      for (const { g, i } of pendingGroups) {
        for (const [k, e] of g.entries()) {
          ops.push({ index: { _index: this.names.events, _id: eventDocumentId(e.aggregateId, e.version) } });
          docs.push(toSearchDocument(e, this.decl));
          owner.push(i);
          if (clientIds && !clientIds[i][k]) continue;
          ops.push({ index: { _index: this.names.eventIds, _id: e.eventId } });
          docs.push({ aggregateId: e.aggregateId, version: e.version });
          owner.push(i);
        }
      }
      const failed = new Set<number>();
      try {
        const items = await this.bulkPairs(ops, docs);
        items.forEach((it, k) => {
          if (!it || it.status >= 300) failed.add(owner[k]);
        });
      } catch {
        for (const { i } of pendingGroups) failed.add(i);
      }
      for (const { i } of pendingGroups) if (!failed.has(i)) ok[i] = true;
      pendingGroups = pendingGroups.filter(({ i }) => failed.has(i));
    }
    return ok;
  }

  private async finalizeHeads(works: Work[]): Promise<void> {
    if (works.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const w of works) {
      const pending = w.pending as Pending;
      ops.push({ index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm } });
      const doc: HeadDoc = {
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId as string,
        version: pending.toVersion,
        lastPosition: pending.lastPosition,
        updatedAt: new Date().toISOString(),
        pending: null,
        pendingSince: null,
      };
      docs.push(doc);
    }
    // A 409 means someone rolled our commit forward already: same result.
    await this.bulkPairs(ops, docs);
  }

  /** Settles pending leases found on heads: roll committed ones forward, fence and abort abandoned ones. */
  private async resolveAll(works: Work[]): Promise<void> {
    await Promise.all(works.map((w) => this.resolvePending(w.a.aggregateId, w.head as Head).catch(() => undefined)));
  }

  /** Returns the head after resolution, or null when the lease is still live (writer in flight). */
  private async resolvePending(aggregateId: string, head: Head): Promise<'resolved' | 'in-flight'> {
    const doc = head.doc as HeadDoc;
    const pending = doc.pending as Pending;
    let log = await this.getLogDoc(pending.firstPosition);
    if (!log) {
      if (Date.now() < pending.expiresAt) return 'in-flight';
      const fenced = await this.createTombstone(pending.firstPosition, pending.lastPosition, `expired lease on ${aggregateId}`);
      if (!fenced) log = await this.getLogDoc(pending.firstPosition);
    }
    const next: HeadDoc = { ...doc, pending: null, pendingSince: null, updatedAt: new Date().toISOString() };
    if (log && log.kind === 'commit' && log.txId === pending.txId) {
      const [ok] = await this.writeDerived([log.events]);
      if (!ok) throw new EventStoreUnavailableError('could not roll a commit forward');
      next.version = log.toVersion;
      next.lastPosition = log.lastPosition;
    }
    await this.client
      .index({ index: this.names.streams, id: aggregateId, if_seq_no: head.seqNo, if_primary_term: head.primaryTerm, document: next })
      .catch((e: unknown) => {
        if (statusOf(e) !== 409) throw e;
      });
    return 'resolved';
  }

  private async allocate(count: number): Promise<number> {
    // Serialised within the process so our own batches never contend on the counter.
    const run = this.allocation.then(() => this.allocateNow(count));
    this.allocation = run.catch(() => undefined);
    return run;
  }

  private async allocateNow(count: number): Promise<number> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (!this.counter) {
        const r = await this.client.get<{ value: number }>({ index: this.names.meta, id: 'position' });
        this.counter = { value: r._source?.value ?? 0, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
      }
      const c = this.counter;
      try {
        const r = await this.client.index({
          index: this.names.meta,
          id: 'position',
          if_seq_no: c.seqNo,
          if_primary_term: c.primaryTerm,
          document: { value: c.value + count },
        });
        this.counter = { value: c.value + count, seqNo: r._seq_no as number, primaryTerm: r._primary_term as number };
        return c.value + 1;
      } catch (e) {
        this.counter = null;
        if (statusOf(e) !== 409) throw e;
        await sleep(Math.random() * 3 * Math.min(attempt + 1, 10));
      }
    }
    throw new EventStoreUnavailableError('could not allocate global positions (too much contention)');
  }

  private async tombstone(ranges: [number, number][], reason: string): Promise<void> {
    if (ranges.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const [first, last] of ranges) {
      ops.push({ create: { _index: this.names.log, _id: String(first) } });
      const t: TombstoneDoc = { kind: 'tombstone', firstPosition: first, lastPosition: last, reason };
      docs.push(t);
    }
    // Best effort: a reader fences positions left unresolved after the gap timeout anyway.
    await this.bulkPairs(ops, docs).catch(() => undefined);
  }

  /** Fences one range; true when our tombstone landed, false when a commit (or tombstone) was there first. */
  private async createTombstone(first: number, last: number, reason: string): Promise<boolean> {
    try {
      const t: TombstoneDoc = { kind: 'tombstone', firstPosition: first, lastPosition: last, reason };
      await this.client.index({ index: this.names.log, id: String(first), op_type: 'create', document: t });
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  private async bulkPairs(ops: estypes.BulkOperationContainer[], docs: unknown[]): Promise<(estypes.BulkResponseItem | undefined)[]> {
    if (ops.length === 0) return [];
    const operations: unknown[] = [];
    ops.forEach((op, i) => operations.push(op, docs[i]));
    const r = await this.client.bulk({ operations });
    return r.items.map((it) => Object.values(it)[0]);
  }

  // ---------------------------------------------------------------- reads

  private async getHeads(ids: string[]): Promise<Map<string, Head>> {
    const r = await this.client.mget<HeadDoc>({ index: this.names.streams, ids });
    const out = new Map<string, Head>();
    r.docs.forEach((d, i) => {
      const found = 'found' in d && d.found;
      out.set(ids[i], found ? { doc: d._source as HeadDoc, seqNo: d._seq_no, primaryTerm: d._primary_term } : { doc: null });
    });
    return out;
  }

  private async locateEventIds(ids: string[]): Promise<Map<string, EventLocation>> {
    const out = new Map<string, EventLocation>();
    if (ids.length === 0) return out;
    const r = await this.client.mget<EventLocation>({ index: this.names.eventIds, ids });
    for (const d of r.docs) if ('found' in d && d.found && d._source) out.set(d._id, d._source);
    return out;
  }

  private async getLogDoc(position: number): Promise<LogDoc | null> {
    try {
      const r = await this.client.get<LogDoc>({ index: this.names.log, id: String(position) });
      return r._source ?? null;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw e;
    }
  }

  private canRead(scope: ReadScope, organizationId: string): boolean {
    return scope.isAdmin || scope.organizationId === organizationId;
  }

  async readStream(aggregateId: string, scope: ReadScope, options: ReadStreamOptions = {}): Promise<StreamSlice> {
    assertAggregateId(aggregateId);
    this.assertReady();
    try {
      const slice = await this.readStreamUnscoped(aggregateId, options);
      if (!this.canRead(scope, slice.organizationId)) throw new StreamNotFoundError(aggregateId);
      return slice;
    } catch (e) {
      throw translate(e, 'readStream');
    }
  }

  private async readStreamUnscoped(aggregateId: string, options: ReadStreamOptions): Promise<StreamSlice> {
    const heads = await this.getHeads([aggregateId]);
    const head = heads.get(aggregateId) as Head;
    const doc = head.doc;
    if (!doc) throw new StreamNotFoundError(aggregateId);
    let finalized = doc.version;
    let version = doc.version;
    let pendingEvents: StoredEvent[] = [];
    if (doc.pending) {
      // Committed but not yet finalised: the commit document is the truth for those versions.
      const log = await this.getLogDoc(doc.pending.firstPosition);
      if (log?.kind === 'commit' && log.txId === doc.pending.txId) {
        version = log.toVersion;
        pendingEvents = log.events;
        finalized = doc.version;
      }
    }
    if (version === 0) throw new StreamNotFoundError(aggregateId);
    const upper = Math.min(version, options.toVersion ?? version);
    const direction = options.direction ?? 'forward';
    const maxCount = Math.max(0, options.maxCount ?? Number.MAX_SAFE_INTEGER);
    const versions: number[] = [];
    if (direction === 'forward') {
      for (let v = Math.max(1, options.fromVersion ?? 1); v <= upper && versions.length < maxCount; v++) versions.push(v);
    } else {
      for (let v = Math.min(upper, options.fromVersion ?? upper); v >= 1 && versions.length < maxCount; v--) versions.push(v);
    }
    const fromDocs = versions.filter((v) => v <= finalized);
    const byVersion = new Map<number, StoredEvent>();
    for (const e of pendingEvents) byVersion.set(e.version, e);
    for (let i = 0; i < fromDocs.length; i += 1000) {
      const chunk = fromDocs.slice(i, i + 1000);
      const r = await this.client.mget<Record<string, unknown>>({
        index: this.names.events,
        ids: chunk.map((v) => eventDocumentId(aggregateId, v)),
        _source_excludes: ['dataFlat', 'metaFlat', 'text', 'num', 'kw'],
      });
      r.docs.forEach((d, k) => {
        if (!('found' in d) || !d.found || !d._source) {
          throw new EventStoreUnavailableError(`event ${aggregateId}@${chunk[k]} is committed but its document is missing`);
        }
        byVersion.set(chunk[k], fromSearchDocument(d._source));
      });
    }
    return {
      aggregateId,
      aggregateType: doc.aggregateType,
      organizationId: doc.organizationId,
      version,
      events: versions.map((v) => this.upcasters.apply(byVersion.get(v) as StoredEvent)),
    };
  }

  async headPosition(): Promise<number> {
    this.assertReady();
    try {
      const r = await this.client.get<{ value: number }>({ index: this.names.meta, id: 'position' });
      return r._source?.value ?? 0;
    } catch (e) {
      throw translate(e, 'headPosition');
    }
  }

  async readAll(options: ReadAllOptions): Promise<AllSlice> {
    this.assertReady();
    try {
      return await this.readAllInner(options);
    } catch (e) {
      throw translate(e, 'readAll');
    }
  }

  private async readAllInner({ after, maxCount = 1000 }: ReadAllOptions): Promise<AllSlice> {
    const head = await this.headPosition();
    const events: StoredEvent[] = [];
    let next = after + 1;
    const window = 512;
    while (next <= head && events.length < maxCount) {
      const ids: string[] = [];
      for (let p = next; p <= Math.min(head, next + window - 1); p++) ids.push(String(p));
      const r = await this.client.mget<LogDoc>({ index: this.names.log, ids });
      const docs = new Map<number, LogDoc>();
      for (const d of r.docs) if ('found' in d && d.found && d._source) docs.set(Number(d._id), d._source);
      const lastId = Number(ids[ids.length - 1]);
      // Positions of the window no document covers: writers in flight, or dead. Each is timed from when a reader
      // first saw it, so a dead writer's whole range is fenced after one timeout, not one timeout per position.
      const now = Date.now();
      const uncovered: number[] = [];
      for (let p = next; p <= lastId;) {
        const doc = docs.get(p);
        if (doc) {
          p = doc.lastPosition + 1;
          continue;
        }
        uncovered.push(p);
        if (!this.gapFirstSeen.has(p)) this.gapFirstSeen.set(p, now);
        p++;
      }
      let stuck = false;
      while (next <= lastId && events.length < maxCount) {
        const doc = docs.get(next);
        if (!doc) {
          stuck = true;
          break;
        }
        this.gapFirstSeen.delete(next);
        if (doc.kind === 'commit') for (const e of doc.events) events.push(this.upcasters.apply(e));
        next = doc.lastPosition + 1;
      }
      if (!stuck) continue;
      if (now - (this.gapFirstSeen.get(next) ?? now) < this.gapTimeoutMs) break;
      // Fence every timed-out gap at once. A commit that lands first wins its create, and a tombstone left inside a
      // commit's range is never read: the walk jumps from a commit's first position past its last.
      const expired = uncovered.filter((p) => now - (this.gapFirstSeen.get(p) ?? now) >= this.gapTimeoutMs);
      await this.tombstone(
        expired.map((p) => [p, p]),
        'gap timeout',
      );
      for (const p of expired) this.gapFirstSeen.delete(p);
    }
    // Positions below the checkpoint are resolved for every reader: forget their timers.
    for (const p of this.gapFirstSeen.keys()) if (p < next) this.gapFirstSeen.delete(p);
    return { events, checkpoint: next - 1, head };
  }

  async getEvent(eventId: string, scope: ReadScope): Promise<StoredEvent> {
    this.assertReady();
    try {
      const id = eventId.toLowerCase();
      const loc = (await this.locateEventIds([id])).get(id);
      if (!loc) {
        // Server-generated ids are not in the realtime id index: find them by search (visible after a refresh).
        const page = await this.client.search<Record<string, unknown>>({
          index: this.names.events,
          size: 1,
          query: { bool: { filter: [{ term: { eventId: id } }, ...tenantFilter(scope)] } },
        });
        const hit = page.hits.hits[0]?._source;
        if (!hit) throw new EventNotFoundError(eventId);
        return this.upcasters.apply(fromSearchDocument(hit));
      }
      const r = await this.client
        .get<Record<string, unknown>>({ index: this.names.events, id: eventDocumentId(loc.aggregateId, loc.version) })
        .catch((e: unknown) => {
          if (statusOf(e) === 404) throw new EventNotFoundError(eventId);
          throw e;
        });
      const e = fromSearchDocument(r._source as Record<string, unknown>);
      if (!this.canRead(scope, e.metadata.organizationId)) throw new EventNotFoundError(eventId);
      return this.upcasters.apply(e);
    } catch (e) {
      throw translate(e, 'getEvent');
    }
  }

  async search(query: EventQuery, scope: ReadScope): Promise<EventPage> {
    this.assertReady();
    const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
    const req = buildSearchRequest(this.names.events, query, scope, cursor);
    try {
      const r = await this.client.search<Record<string, unknown>>(req);
      const hits = r.hits.hits;
      const size = req.size as number;
      const total = typeof r.hits.total === 'number' ? r.hits.total : (r.hits.total?.value ?? 0);
      const last = hits[hits.length - 1];
      return {
        total,
        events: hits.map((h) => this.upcasters.apply(fromSearchDocument(h._source as Record<string, unknown>))),
        nextCursor: hits.length === size && last?.sort ? encodeCursor(last.sort) : null,
      };
    } catch (e) {
      throw translate(e, 'search');
    }
  }

  async readCorrelation(correlationId: string, scope: ReadScope): Promise<StoredEvent[]> {
    const out: StoredEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.search({ correlationId, sort: 'asc', size: 1000, cursor }, scope);
      out.push(...page.events);
      cursor = page.nextCursor ?? undefined;
    } while (cursor && out.length < 100_000);
    return out;
  }

  // ---------------------------------------------------------------- snapshots

  async saveSnapshot(snapshot: Omit<Snapshot, 'timestamp'>, scope: ReadScope): Promise<void> {
    this.assertReady();
    try {
      await this.client.index({
        index: this.names.snapshots,
        id: snapshot.aggregateId,
        version: snapshot.version,
        version_type: 'external_gte',
        document: { ...snapshot, organizationId: scope.organizationId, timestamp: new Date().toISOString() },
      });
    } catch (e) {
      if (statusOf(e) === 409) return; // a newer snapshot is already there
      throw translate(e, 'saveSnapshot');
    }
  }

  async loadSnapshot<S>(aggregateId: string, scope: ReadScope): Promise<Snapshot<S> | null> {
    this.assertReady();
    try {
      const r = await this.client.get<Snapshot<S> & { organizationId: string }>({ index: this.names.snapshots, id: aggregateId });
      const s = r._source;
      if (!s || !this.canRead(scope, s.organizationId)) return null;
      const { organizationId: _org, ...snapshot } = s;
      return snapshot;
    } catch (e) {
      if (statusOf(e) === 404) return null;
      throw translate(e, 'loadSnapshot');
    }
  }
}
