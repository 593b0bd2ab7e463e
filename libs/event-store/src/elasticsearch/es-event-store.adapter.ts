import { randomUUID } from 'node:crypto';
import type { Client, estypes } from '@elastic/elasticsearch';
import { decideAppend } from '../append-decision';
import {
  AppendOutcomeUnknownError,
  EventNotFoundError,
  EventStoreUnavailableError,
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
import { EVENT_LIMITS, assertAggregateId, buildEnvelopes, validateAppend, validateWriteContext } from '../event-validation';
import type { EventLocation } from '../idempotency';
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
  /**
   * Upper bound on the payload bytes of one batch (an append larger than this goes alone): keeps every bulk well under
   * Elasticsearch's `http.max_content_length` (100 MB), counting the derived documents' copies of the payload.
   */
  maxBatchBytes?: number;
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
  /** Approximate JSON size of the events. */
  bytes: number;
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

/** One append inside a batch, with the positions allocated to it and the head read for it. */
interface Work {
  a: QueuedAppend;
  first: number;
  last: number;
  head?: Head;
}

/** Decided: it will try to take the stream's lease and reserve its client event ids. */
interface LockingWork extends Work {
  organizationId: string;
  envelopes: StoredEvent[];
  pending: Pending;
  /** Client-chosen event ids (lowercase) this append reserves. */
  reserve: string[];
}

/** Holds the stream's lease (the head's seq_no after the lease write) and its ids. */
interface LockedWork extends LockingWork {
  lockSeqNo: number;
  lockPrimaryTerm: number;
}

/**
 * Where an event id lives. Written as a reservation (with the reserving append's `txId` and positions) before the
 * commit, and rewritten without them once the append's documents are derived.
 */
interface EventIdDoc {
  aggregateId: string;
  version: number;
  txId?: string;
  firstPosition?: number;
  lastPosition?: number;
  expiresAt?: number;
}

interface ReservedIds {
  /** Ids of committed events. */
  committed: Map<string, EventLocation>;
  /** Reservations of appends that did not commit: may be taken over with a compare-and-set. */
  stale: Map<string, { seqNo: number; primaryTerm: number }>;
  /** Reserved by appends not settled yet. */
  inFlight: Set<string>;
}

/** A stream head as written by the lease, abort, finalise and recovery steps. */
function headDocument(
  w: { a: { aggregateId: string; aggregateType: string }; organizationId: string },
  at: { version: number; lastPosition: number },
  updatedAt: string,
  pending: Pending | null,
  pendingSince: number | null = null,
): HeadDoc {
  return {
    aggregateId: w.a.aggregateId,
    aggregateType: w.a.aggregateType,
    organizationId: w.organizationId,
    version: at.version,
    lastPosition: at.lastPosition,
    updatedAt,
    pending,
    pendingSince: pending ? pendingSince : null,
  };
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
  private readonly maxBatchBytes: number;
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
  /** Checkpoints this process's readers were handed (bounded): each ends a log document. */
  private readonly boundaries = new Set<number>();

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
    this.maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
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
      validateWriteContext(options.context);
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
        bytes: Buffer.byteLength(JSON.stringify(events)),
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
      let bytes = 0;
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
          (batch.length === 0 || (events + a.events.length <= this.maxBatchEvents && bytes + a.bytes <= this.maxBatchBytes));
        if (!eligible) {
          if (a.notBefore > now) earliestWait = Math.min(earliestWait, a.notBefore - now);
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        batch.push(a);
        inBatch.add(a.aggregateId);
        events += a.events.length;
        bytes += a.bytes;
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
    // Round trip 1: heads, where the client's event ids are, and positions, in parallel.
    const allocation = this.allocate(total);
    const works: Work[] = [];
    try {
      const [heads, found, firstPosition] = await Promise.all([
        this.getHeads(batch.map((a) => a.aggregateId)),
        this.locateEventIds(clientIds),
        allocation,
      ]);
      let p = firstPosition;
      for (const a of batch) {
        works.push({ a, first: p, last: p + a.events.length - 1, head: heads.get(a.aggregateId) });
        p += a.events.length;
      }
      const ids = await this.settleReservations(found);
      await this.lockRound(works, ids, releaseSlot);
    } catch (e) {
      // Nothing was committed by this round (its commit round never started): fence every position it allocated so
      // no reader waits a gap timeout on them. Best effort; readers fence what this misses.
      const first = await allocation.catch(() => null);
      const ranges: [number, number][] =
        works.length > 0 ? works.map((w) => [w.first, w.last]) : first !== null ? [[first, first + total - 1]] : [];
      await this.tombstone(ranges, 'failed round');
      throw e;
    }
  }

  /**
   * Client event ids already known to the store. An id reserved by an append whose outcome is not settled yet is
   * looked up in the log: committed → it counts as stored; fenced or aborted → the reservation is stale and may be
   * taken over (compare-and-set on it); still in flight → appends carrying it wait and retry.
   */
  private async settleReservations(found: Map<string, EventIdDoc & { seqNo: number; primaryTerm: number }>): Promise<ReservedIds> {
    const out: ReservedIds = { committed: new Map(), stale: new Map(), inFlight: new Set() };
    await Promise.all(
      [...found].map(async ([id, doc]) => {
        if (!doc.txId) {
          out.committed.set(id, { aggregateId: doc.aggregateId, version: doc.version });
          return;
        }
        let log = await this.getLogDoc(doc.firstPosition as number);
        if (!log) {
          if (Date.now() < (doc.expiresAt ?? 0)) {
            out.inFlight.add(id);
            return;
          }
          // Its writer outlived its lease without committing: fence its position (or find the commit that just landed).
          const fenced = await this.createTombstone(
            doc.firstPosition as number,
            doc.lastPosition as number,
            'expired event id reservation',
          );
          if (!fenced) log = await this.getLogDoc(doc.firstPosition as number);
        }
        if (log?.kind === 'commit' && log.txId === doc.txId) out.committed.set(id, { aggregateId: doc.aggregateId, version: doc.version });
        else out.stale.set(id, { seqNo: doc.seqNo, primaryTerm: doc.primaryTerm });
      }),
    );
    return out;
  }

  /** Decides each append, then round trip 2 (leases and id reservations) and what follows for those it locked. */
  private async lockRound(works: Work[], ids: ReservedIds, releaseSlot: () => void): Promise<void> {
    const now = Date.now();
    const timestamp = (this.options.clock ? this.options.clock() : new Date(now)).toISOString();
    const toResolve: Work[] = [];
    const idempotent: { w: Work; from: number; to: number }[] = [];
    const locking: LockingWork[] = [];
    const unused: Work[] = [];
    for (const w of works) {
      const { a } = w;
      const doc = w.head?.doc ?? null;
      if (doc) this.noteVersion(a.aggregateId, doc.version);
      if (doc?.pending) {
        toResolve.push(w);
        unused.push(w);
        continue;
      }
      const mine = a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x);
      if (mine.some((id) => ids.inFlight.has(id))) {
        // Another append holds one of these ids and has not settled: decide once it has.
        this.retryLater(a, 20);
        unused.push(w);
        continue;
      }
      if (doc && w.first <= (doc.lastPosition ?? 0)) {
        // Positions taken before another writer committed to this stream at later ones: committing here would put
        // this stream's versions out of log order. Start again with fresh positions.
        this.retryLater(a, 0);
        unused.push(w);
        continue;
      }
      try {
        const decision = decideAppend(
          { aggregateId: a.aggregateId, aggregateType: a.aggregateType, events: a.events, expectedVersion: a.expectedVersion, ctx: a.ctx },
          doc,
          ids.committed,
        );
        if (decision.kind === 'already-stored') {
          idempotent.push({ w, from: decision.fromVersion, to: decision.toVersion });
          unused.push(w);
          continue;
        }
        const envelopes = buildEnvelopes(
          a.aggregateId,
          a.aggregateType,
          decision.organizationId,
          a.events,
          a.ctx,
          decision.fromVersion,
          w.first,
          timestamp,
        );
        const pending: Pending = {
          txId: randomUUID(),
          firstPosition: w.first,
          lastPosition: w.last,
          fromVersion: decision.fromVersion,
          toVersion: decision.toVersion,
          expiresAt: now + this.leaseMs,
        };
        locking.push({ ...w, organizationId: decision.organizationId, envelopes, pending, reserve: mine });
      } catch (e) {
        a.reject(e);
        unused.push(w);
      }
    }

    // Round trip 2: take the lease on each stream (CAS on its head) and reserve the client's event ids (create, or
    // CAS over a stale reservation), and fence off the positions nobody will use.
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const slots: { w: LockingWork; head: boolean }[] = [];
    for (const w of locking) {
      ops.push(
        w.head?.doc
          ? { index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.head.seqNo, if_primary_term: w.head.primaryTerm } }
          : { create: { _index: this.names.streams, _id: w.a.aggregateId } },
      );
      docs.push(
        headDocument(w, { version: w.head?.doc?.version ?? 0, lastPosition: w.head?.doc?.lastPosition ?? 0 }, timestamp, w.pending, now),
      );
      slots.push({ w, head: true });
      w.envelopes.forEach((e, k) => {
        if (!w.reserve.includes(e.eventId)) return;
        const stale = ids.stale.get(e.eventId);
        ops.push(
          stale
            ? { index: { _index: this.names.eventIds, _id: e.eventId, if_seq_no: stale.seqNo, if_primary_term: stale.primaryTerm } }
            : { create: { _index: this.names.eventIds, _id: e.eventId } },
        );
        const reservation: EventIdDoc = {
          aggregateId: w.a.aggregateId,
          version: w.pending.fromVersion + k,
          txId: w.pending.txId,
          firstPosition: w.first,
          lastPosition: w.last,
          expiresAt: w.pending.expiresAt,
        };
        docs.push(reservation);
        slots.push({ w, head: false });
      });
    }
    const [results] = await Promise.all([
      this.bulkPairs(ops, docs),
      this.tombstone(
        unused.map((w) => [w.first, w.last]),
        'unused allocation',
      ),
      this.resolveAll(toResolve),
    ]);
    for (const w of toResolve) this.retryLater(w.a, 5);
    const headOk = new Map<LockingWork, estypes.BulkResponseItem>();
    const refused = new Map<LockingWork, estypes.BulkResponseItem | undefined>();
    slots.forEach(({ w, head }, i) => {
      const item = results[i];
      const ok = !!item && item.status >= 200 && item.status < 300;
      if (ok && head) headOk.set(w, item);
      if (!ok && !refused.has(w)) refused.set(w, item);
    });
    const locked: LockedWork[] = [];
    const lost: LockingWork[] = [];
    const unreserved: LockedWork[] = [];
    for (const w of locking) {
      const lease = headOk.get(w);
      const lw = lease ? { ...w, lockSeqNo: lease._seq_no as number, lockPrimaryTerm: lease._primary_term as number } : null;
      if (lw && !refused.has(w)) {
        locked.push(lw);
        continue;
      }
      if (lw)
        unreserved.push(lw); // leased, but an id is reserved by someone else: give the lease back
      else lost.push(w);
      const item = refused.get(w);
      if (item?.status === 409 || bulkItemTransient(item)) {
        // Another writer moved the head or took an id between our read and our write: read again and decide again.
        this.retryLater(w.a, item?.status === 409 ? 1 : 50);
      } else {
        w.a.reject(translate(new Error(`could not lock stream: ${JSON.stringify(item?.error)}`), 'append'));
      }
    }

    if (this.options.faults?.afterLock && locked.length > 0) await this.options.faults.afterLock(locked.map((w) => w.a.aggregateId));
    await this.commitRound(locked, lost, unreserved, idempotent, releaseSlot);
  }

  /** Round trips 3 to 5 for the appends that hold their lease and ids: commit, derive and acknowledge, finalise. */
  private async commitRound(
    locked: LockedWork[],
    lost: LockingWork[],
    unreserved: LockedWork[],
    idempotent: { w: Work; from: number; to: number }[],
    releaseSlot: () => void,
  ): Promise<void> {
    // Round trip 3: the commit point. One document per append holds all its events: atomic by construction.
    const commitOps: estypes.BulkOperationContainer[] = [];
    const commitDocs: unknown[] = [];
    for (const w of locked) {
      commitOps.push({ create: { _index: this.names.log, _id: String(w.first) } });
      const commit: CommitDoc = {
        kind: 'commit',
        txId: w.pending.txId,
        aggregateId: w.a.aggregateId,
        aggregateType: w.a.aggregateType,
        organizationId: w.organizationId,
        firstPosition: w.first,
        lastPosition: w.last,
        fromVersion: w.pending.fromVersion,
        toVersion: w.pending.toVersion,
        events: w.envelopes,
      };
      commitDocs.push(commit);
    }
    const [commitResults] = await Promise.all([
      this.bulkPairs(commitOps, commitDocs).catch((e: unknown) => {
        this.options.logger?.warn(`commit bulk failed, settling each commit: ${(e as Error).message}`);
        return locked.map(() => undefined);
      }),
      this.tombstone(
        lost.map((w) => [w.first, w.last]),
        'lost stream lock',
      ),
      this.abortLocks(unreserved, true),
    ]);
    for (const w of unreserved) this.retryLater(w.a, 1);
    const committed: LockedWork[] = [];
    const aborted: LockedWork[] = [];
    await Promise.all(
      locked.map(async (w, i) => {
        const item = commitResults[i];
        if (item && item.status >= 200 && item.status < 300) {
          committed.push(w);
          return;
        }
        // No answer, an error, or 409 (a reader fenced our position, or a retry of ours landed first): settle it.
        const outcome = await this.settleCommit(w);
        if (outcome === 'committed') committed.push(w);
        else if (outcome === 'not-committed') aborted.push(w);
        else w.a.reject(new AppendOutcomeUnknownError(w.a.aggregateId));
      }),
    );

    if (this.options.faults?.afterCommit && committed.length > 0)
      await this.options.faults.afterCommit(committed.map((w) => w.a.aggregateId));

    // Round trip 4: the searchable event documents and the event-id index, derived from the commit.
    const [derivedOk] = await Promise.all([
      this.writeDerived(
        committed.map((w) => w.envelopes),
        committed.map((w) => w.a.events.map((e) => e.eventId !== undefined)),
      ),
      this.abortLocks(aborted, false),
    ]);
    for (const w of aborted) this.retryLater(w.a, 1);

    // Acknowledge now: the commits are durable and readable (a reader that meets the lease reads the commit document).
    // The stream stays busy in this process until its head is finalised, so its next append sees a clean head.
    for (const w of committed) {
      this.noteVersion(w.a.aggregateId, w.pending.toVersion);
      w.a.resolve({
        aggregateId: w.a.aggregateId,
        fromVersion: w.pending.fromVersion,
        version: w.pending.toVersion,
        position: w.last,
        events: w.envelopes,
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

  /**
   * Settles a commit whose answer was lost or refused, while this writer still holds the stream's lease: it fences its
   * own position with a `create`. Created → the commit never landed and never will (its create now fails);
   * 409 → whatever holds the position decides (our commit, or someone's tombstone). Retried until the append's
   * deadline; only then is the outcome unknown.
   */
  private async settleCommit(w: LockedWork): Promise<'committed' | 'not-committed' | 'unknown'> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (await this.createTombstone(w.first, w.last, 'commit fenced by its own writer')) return 'not-committed';
        const doc = await this.getLogDoc(w.first);
        if (doc) return doc.kind === 'commit' && doc.txId === w.pending.txId ? 'committed' : 'not-committed';
      } catch (e) {
        if (!isTransient(e)) {
          this.options.logger?.warn(`could not settle the commit of ${w.a.aggregateId}: ${(e as Error).message}`);
        }
      }
      const backoff = Math.min(1000, 25 * 2 ** attempt);
      if (Date.now() + backoff >= w.a.deadline) return 'unknown';
      await sleep(backoff);
    }
  }

  /**
   * Gives leases back (CAS with the lock's seq_no) and fences the positions of appends that will not commit here.
   * `whole`: nothing fenced their first position yet; otherwise it is (a reader's or our own tombstone).
   */
  private async abortLocks(works: LockedWork[], whole: boolean): Promise<void> {
    if (works.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    for (const w of works) {
      const head = w.head?.doc;
      ops.push({ index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm } });
      docs.push(headDocument(w, { version: head?.version ?? 0, lastPosition: head?.lastPosition ?? 0 }, new Date().toISOString(), null));
    }
    await this.bulkPairs(ops, docs).catch(() => undefined);
    await this.tombstone(
      whole ? works.map((w) => [w.first, w.last]) : works.filter((w) => w.last > w.first).map((w) => [w.first + 1, w.last]),
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

  private async finalizeHeads(works: LockedWork[]): Promise<void> {
    if (works.length === 0) return;
    const ops: estypes.BulkOperationContainer[] = [];
    const docs: unknown[] = [];
    const now = new Date().toISOString();
    for (const w of works) {
      ops.push({ index: { _index: this.names.streams, _id: w.a.aggregateId, if_seq_no: w.lockSeqNo, if_primary_term: w.lockPrimaryTerm } });
      docs.push(headDocument(w, { version: w.pending.toVersion, lastPosition: w.pending.lastPosition }, now, null));
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

  /** The event-id documents of these ids (reservations included), with what a compare-and-set over them needs. */
  private async locateEventIds(ids: string[]): Promise<Map<string, EventIdDoc & { seqNo: number; primaryTerm: number }>> {
    const out = new Map<string, EventIdDoc & { seqNo: number; primaryTerm: number }>();
    if (ids.length === 0) return out;
    const r = await this.client.mget<EventIdDoc>({ index: this.names.eventIds, ids });
    for (const d of r.docs) {
      if ('found' in d && d.found && d._source)
        out.set(d._id, { ...d._source, seqNo: d._seq_no as number, primaryTerm: d._primary_term as number });
    }
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
    if (after > 0 && next <= head && !this.boundaries.has(after)) {
      // A checkpoint this process did not hand out may sit inside an append (a runner stopped or failed mid-commit):
      // the rest of that append is stored under its first position, so the positions after the checkpoint would look
      // like gaps. Find the document covering the checkpoint first.
      const covering = await this.findCovering(after);
      if (covering && covering.lastPosition > after) {
        if (covering.kind === 'commit') for (const e of covering.events) if (e.position > after) events.push(this.upcasters.apply(e));
        next = covering.lastPosition + 1;
      }
    }
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
    this.noteBoundary(next - 1);
    return { events, checkpoint: next - 1, head };
  }

  /** Remembers a checkpoint this reader handed out: it ends a log document, so reading after it needs no look back. */
  private noteBoundary(position: number): void {
    this.boundaries.add(position);
    if (this.boundaries.size > 10_000) this.boundaries.delete(this.boundaries.values().next().value as number);
  }

  /**
   * The log document covering `position`, if any: the nearest one stored at or below it (documents are stored under
   * their first position, and an append holds at most `maxEventsPerAppend` positions).
   */
  private async findCovering(position: number): Promise<LogDoc | null> {
    const lowest = Math.max(1, position - EVENT_LIMITS.maxEventsPerAppend + 1);
    for (let top = position, chunk = 32; top >= lowest; top -= chunk, chunk = Math.min(chunk * 4, 512)) {
      const ids: string[] = [];
      for (let p = top; p > top - chunk && p >= lowest; p--) ids.push(String(p));
      const r = await this.client.mget<LogDoc>({ index: this.names.log, ids });
      const hit = r.docs.find((d) => 'found' in d && d.found && d._source);
      if (hit) {
        const doc = (hit as { _source: LogDoc })._source;
        return doc.firstPosition <= position && doc.lastPosition >= position ? doc : null;
      }
    }
    return null;
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
          if (statusOf(e) === 404) return null;
          throw e;
        });
      let e = r?._source ? fromSearchDocument(r._source) : null;
      if (e?.eventId !== id) {
        // A reservation whose append is committed but not yet derived (the stream read serves it from its commit),
        // or one that never committed (then that version holds another event, or none).
        const slice = await this.readStreamUnscoped(loc.aggregateId, { fromVersion: loc.version, maxCount: 1 }).catch((x: unknown) => {
          if (x instanceof StreamNotFoundError) return null;
          throw x;
        });
        e = slice?.events[0]?.eventId === id ? slice.events[0] : null;
      }
      if (!e || !this.canRead(scope, e.metadata.organizationId)) throw new EventNotFoundError(eventId);
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
