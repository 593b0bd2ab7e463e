import type { AppendOptions, AppendResult, NewEvent } from '../event-store.port';
import { EventStoreUnavailableError, WrongExpectedVersionError } from '../event-store.errors';
import { sleep } from './es-context';
import { NO_OBSERVER, appendOutcomeOf, type RetryReason, type StoreObserver } from '../store-observer';
import type { BatchHooks, KnownStream, QueuedAppend } from './es-commit-types';
import type { Head } from './es-documents';
import { isTransient, translate } from './es-errors';

export interface BatchLimits {
  /** Upper bound for one append, queueing and retries included. */
  appendTimeoutMs: number;
  maxBatchAppends: number;
  maxBatchEvents: number;
  /** Payload bytes of one batch (an append larger than this goes alone). */
  maxBatchBytes: number;
  maxConcurrentBatches: number;
  /**
   * How long a contended stream's committed head waits, unfinalised, for the stream's next append in this process
   * (which then takes it and finalises it with its own lease) before it is finalised on its own; 0: never waits.
   */
  hotStreamLingerMs?: number;
}

/** Runs one batch of appends to distinct streams; `releaseSlot` frees its slot early (at the acknowledgement). */
export type BatchRunner = (batch: QueuedAppend[], releaseSlot: () => void) => Promise<void>;

/** Which of these (lowercase) client event ids have a document in the store, reservation or not; bounded by `deadline`. */
export type EventIdProbe = (ids: string[], deadline: number) => Promise<Set<string>>;

/**
 * Group commit: queues appends and hands them to the commit protocol in batches of distinct streams (bounded in
 * appends, events and bytes), a few batches in flight. A stream is in at most one batch at a time and stays busy until
 * its head is finalised. Transient failures are retried with backoff until the append's deadline.
 */
export class GroupCommitter implements BatchHooks {
  private readonly queue: QueuedAppend[] = [];
  /** Streams in a round, each with the round that holds it (a round hands a stream over before it ends). */
  private readonly busyStreams = new Map<string, object>();
  /** Heads being finalised, handed over to the stream's next append in this process. */
  private readonly finalizing = new Map<string, Promise<Head | null>>();
  /** Committed heads not finalised, offered to their stream's next append while a pump runs (see offerHead). */
  private readonly offered = new Map<string, Head>();
  /** What this process has seen streams reach (bounded, most recent last): versions only ever grow. */
  private readonly knownStreams = new Map<string, KnownStream>();
  /** When each stream last had an append queued while another of its appends was in a round (bounded, most recent last). */
  private readonly contendedAt = new Map<string, number>();
  /** Committed heads waiting for their stream's next append (see `nextAppend`). */
  private readonly arrivals = new Map<string, () => void>();
  private runningBatches = 0;
  /** Rounds not finished yet, finalisation after the acknowledgement included. */
  private activeRounds = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private runBatch: BatchRunner = () => Promise.reject(new Error('no batch runner attached'));
  private probeEventIds: EventIdProbe = (ids) => Promise.resolve(new Set(ids));

  constructor(
    private readonly limits: BatchLimits,
    private readonly observer: StoreObserver = NO_OBSERVER,
  ) {}

  /**
   * Attaches the protocol that commits batches (it calls back `retryLater` and `noteVersion`), and the look-up of
   * client event ids that lets a stale append carrying them be refused without a round of the protocol.
   */
  attach(runBatch: BatchRunner, probeEventIds?: EventIdProbe): void {
    this.runBatch = runBatch;
    if (probeEventIds) this.probeEventIds = probeEventIds;
  }

  /** Queues a validated append; settles when it is acknowledged or refused. */
  enqueue(aggregateId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult> {
    return new Promise<AppendResult>((resolve, reject) => {
      const enqueuedAt = Date.now();
      const queued: QueuedAppend = {
        aggregateId,
        aggregateType: options.aggregateType,
        events,
        bytes: Buffer.byteLength(JSON.stringify(events)),
        expectedVersion: options.expectedVersion,
        ctx: options.context,
        deadline: Date.now() + this.limits.appendTimeoutMs,
        notBefore: 0,
        failures: 0,
        settled: false,
        resolve: (r) => {
          if (!queued.settled) this.observer.appendSettled?.('acknowledged', events.length, Date.now() - enqueuedAt);
          queued.settled = true;
          resolve(r);
        },
        reject: (e) => {
          if (!queued.settled) this.observer.appendSettled?.(appendOutcomeOf(e), events.length, Date.now() - enqueuedAt);
          queued.settled = true;
          reject(e);
        },
      };
      const awaited = this.arrivals.get(aggregateId);
      // Queued while another append of the stream is in a round or queued: contended (not when its head was waiting
      // for it: that append follows the previous one, it does not compete with it).
      if (!awaited && (this.isBusy(aggregateId) || this.queue.some((q) => q.aggregateId === aggregateId))) this.noteContended(aggregateId);
      this.queue.push(queued);
      awaited?.();
      this.pump();
    });
  }

  private noteContended(aggregateId: string): void {
    this.contendedAt.delete(aggregateId);
    this.contendedAt.set(aggregateId, Date.now());
    if (this.contendedAt.size > 10_000) this.contendedAt.delete(this.contendedAt.keys().next().value as string);
  }

  nextAppend(aggregateId: string): Promise<boolean> | null {
    const linger = this.limits.hotStreamLingerMs ?? 0;
    const at = this.contendedAt.get(aggregateId);
    // Only a stream contended within the last second: elsewhere the next append is not expected that soon.
    if (linger <= 0 || at === undefined || Date.now() - at > 1000 || this.arrivals.has(aggregateId)) return null;
    // One of its appends is queued already but may not start yet (backing off): it will not arrive, finalise now.
    if (this.queue.some((q) => q.aggregateId === aggregateId)) return null;
    return new Promise<boolean>((resolve) => {
      const done = (arrived: boolean) => {
        clearTimeout(timer);
        this.arrivals.delete(aggregateId);
        resolve(arrived);
      };
      const timer = setTimeout(() => done(false), linger);
      this.arrivals.set(aggregateId, () => done(true));
    });
  }

  /** True while this process is committing to the stream (a lease it holds is not abandoned). */
  isBusy(aggregateId: string): boolean {
    return this.busyStreams.has(aggregateId) || this.finalizing.has(aggregateId);
  }

  handOver(aggregateId: string, head: Promise<Head | null>): void {
    this.finalizing.set(aggregateId, head);
    this.busyStreams.delete(aggregateId);
    void head.finally(() => {
      if (this.finalizing.get(aggregateId) !== head) return;
      this.finalizing.delete(aggregateId);
      // An append that waited for this finalisation (`expectsNoWrite`) may start now.
      if (this.queue.some((q) => q.aggregateId === aggregateId)) this.pump();
    });
    this.pump();
  }

  finalizedHead(aggregateId: string): Promise<Head | null> | undefined {
    return this.finalizing.get(aggregateId);
  }

  offerHead(aggregateId: string, head: Head): boolean {
    const now = Date.now();
    if (!this.queue.some((a) => a.aggregateId === aggregateId && a.notBefore <= now && now <= a.deadline)) return false;
    const holder = this.busyStreams.get(aggregateId);
    this.offered.set(aggregateId, head);
    this.busyStreams.delete(aggregateId);
    this.pump();
    const taken = !this.offered.delete(aggregateId);
    if (!taken && holder && !this.busyStreams.has(aggregateId)) this.busyStreams.set(aggregateId, holder);
    return taken;
  }

  takeOfferedHead(aggregateId: string): Head | undefined {
    const head = this.offered.get(aggregateId);
    this.offered.delete(aggregateId);
    return head;
  }

  /** Waits (up to `timeoutMs`) for queued appends and rounds in flight to finish, then stops the pump timer. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ((this.queue.length > 0 || this.activeRounds > 0) && Date.now() < deadline) await sleep(10);
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
  }

  private pump(): void {
    const stale: { a: QueuedAppend; known: number }[] = [];
    try {
      this.fillBatches(stale);
    } finally {
      if (stale.length > 0) this.refuteUnlessStored(stale);
    }
  }

  private fillBatches(staleWithIds: { a: QueuedAppend; known: number }[]): void {
    while (this.runningBatches < this.limits.maxConcurrentBatches) {
      const now = Date.now();
      const batch: QueuedAppend[] = [];
      const inBatch = new Set<string>();
      let events = 0;
      let bytes = 0;
      let earliestWait = Infinity;
      for (let i = 0; i < this.queue.length && batch.length < this.limits.maxBatchAppends;) {
        const a = this.queue[i];
        if (a.settled) {
          this.queue.splice(i, 1);
          continue;
        }
        if (now > a.deadline) {
          this.queue.splice(i, 1);
          a.reject(new EventStoreUnavailableError(`append to ${a.aggregateId} timed out before it could commit`));
          continue;
        }
        const stale = this.staleAgainstKnown(a);
        if (stale !== null) {
          // The stream is already past the expected version: refuse without a round of the protocol (a hot stream's
          // losers), once its client event ids, if any, are known not to be stored (else it may be an idempotent retry).
          this.queue.splice(i, 1);
          if (a.events.some((e) => e.eventId !== undefined)) staleWithIds.push({ a, known: stale });
          else a.reject(new WrongExpectedVersionError(a.aggregateId, a.expectedVersion, stale));
          continue;
        }
        // An append expected to be answered without a write reads its head from Elasticsearch: it waits until this
        // process's last append to the stream has finalised the head (else it would meet that append's own lease).
        const noWrite = this.expectsNoWrite(a);
        const eligible =
          a.notBefore <= now &&
          !this.busyStreams.has(a.aggregateId) &&
          !(noWrite && (this.finalizing.has(a.aggregateId) || this.offered.has(a.aggregateId))) &&
          !inBatch.has(a.aggregateId) &&
          (batch.length === 0 || (events + a.events.length <= this.limits.maxBatchEvents && bytes + a.bytes <= this.limits.maxBatchBytes));
        if (!eligible) {
          if (a.notBefore > now) earliestWait = Math.min(earliestWait, a.notBefore - now);
          i++;
          continue;
        }
        this.queue.splice(i, 1);
        a.answerWithoutWrite = noWrite;
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
      const round = {};
      for (const id of inBatch) this.busyStreams.set(id, round);
      this.observer.batchStarted?.(batch.length, events);
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
          // Only what this round still holds: a stream it handed over may be in the next round already.
          for (const id of inBatch) if (this.busyStreams.get(id) === round) this.busyStreams.delete(id);
          releaseSlot();
          this.pump();
        });
    }
  }

  noteVersion(aggregateId: string, state: KnownStream): void {
    if ((this.knownStreams.get(aggregateId)?.version ?? -1) >= state.version) return;
    this.knownStreams.delete(aggregateId);
    this.knownStreams.set(aggregateId, state);
    if (this.knownStreams.size > 10_000) this.knownStreams.delete(this.knownStreams.keys().next().value as string);
  }

  /**
   * The known version when it already refutes the append's exact expected version; null when a round must decide.
   * Only where the protocol's own checks would come to the expected version (decideAppend): the writer's organization
   * (or an admin) and the stream's aggregate type, no retention or deletion on the stream (a soft-deleted stream is
   * at version 0 for `0`), an expected version of 1 or more (never met by a stream that moved past it or was deleted
   * since), and client event ids not already found stored (then it may be an idempotent retry).
   */
  private staleAgainstKnown(a: QueuedAppend): number | null {
    const expected = a.expectedVersion;
    if (typeof expected !== 'number' || expected < 1 || a.idsFound) return null;
    const known = this.knownStreams.get(a.aggregateId);
    if (!known || known.version <= expected || known.lifecycle || known.aggregateType !== a.aggregateType) return null;
    if (known.organizationId !== a.ctx.organizationId && !a.ctx.isAdmin) return null;
    return known.version;
  }

  /**
   * Whether a round will most likely answer this append without writing anything, so that it needs no positions: its
   * client event ids were found stored (an idempotent retry, or a duplicate), or it is appended as a new stream
   * (`no_stream`, `0`) to a stream this process knows exists (another append created it). Only a guess, which a round
   * checks against the head it reads: an append it must write after all goes round again with positions. Wrong only
   * when another instance deleted the stream since, at the cost of one round trip.
   */
  private expectsNoWrite(a: QueuedAppend): boolean {
    if (a.needsPositions) return false;
    if (a.idsFound) return true;
    if (a.expectedVersion !== 'no_stream' && a.expectedVersion !== 0) return false;
    const known = this.knownStreams.get(a.aggregateId);
    return !!known && known.version > 0 && !known.lifecycle;
  }

  /**
   * Stale appends carrying client event ids: one whose ids are none of them stored (reserved or committed) would find
   * nothing to retry in the protocol and be refused its expected version, so it is refused now; any found, or no
   * answer → the protocol judges it. One `mget` for all the stale appends of a pump, beside the rounds, instead of a
   * round of the protocol each (positions, a tombstone) queued behind the stream's other appends.
   */
  private refuteUnlessStored(stale: { a: QueuedAppend; known: number }[]): void {
    const idsOf = (a: QueuedAppend) => a.events.map((e) => e.eventId?.toLowerCase()).filter((x): x is string => !!x);
    const backToProtocol = (a: QueuedAppend) => {
      if (a.settled) return;
      a.idsFound = true;
      this.queue.unshift(a);
    };
    this.activeRounds++;
    this.probeEventIds([...new Set(stale.flatMap(({ a }) => idsOf(a)))], Math.min(...stale.map(({ a }) => a.deadline)))
      .then(
        (found) => {
          for (const { a, known } of stale) {
            if (a.settled) continue;
            if (idsOf(a).some((id) => found.has(id))) backToProtocol(a);
            else a.reject(new WrongExpectedVersionError(a.aggregateId, a.expectedVersion, known));
          }
        },
        () => stale.forEach(({ a }) => backToProtocol(a)),
      )
      .finally(() => {
        this.activeRounds--;
        this.pump();
      });
  }

  retryLater(a: QueuedAppend, delayMs: number, reason: RetryReason = 'transient'): void {
    this.observer.retry?.(reason);
    a.notBefore = Date.now() + delayMs + Math.floor(Math.random() * delayMs);
    this.queue.unshift(a);
  }
}
